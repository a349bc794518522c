/// Raises and clears alerts from observations, by the configured rules. An alert is raised
/// once and cleared once: hysteresis between the raise and clear levels, one open alert per
/// rule and series, and a condition that must last (`for`) is raised only when it has.
///
/// Time is the readings' time, never a wall clock: the engine's clock (`watermark`) is the
/// latest reading time seen, each capped at its receipt time. Staleness and lasting
/// conditions are decided against it in `advance(into:)`. The same observations in the same
/// order give the same alerts, so replaying the journal gives the alerts of the first run.
///
/// - Important: not thread-safe; the pipeline thread owns it.
public struct AlertEngine: Sendable {
    public let rules: [AlertRule]
    /// The route index each rule is limited to (nil: every route).
    private let routeOfRule: [Int?]
    private var tracks: [Track] = []
    /// The tracks that watch each series, found at its first observation.
    private var slots: [SeriesKey: [Int]] = [:]
    /// The track of each device-wide rule and device, shared by the device's series.
    private var deviceWide: [TrackKey: Int] = [:]
    /// Open alerts from before a restart or reload, waiting for their series' first observation.
    private var restored: [TrackKey: Alert] = [:]
    /// The open alert of each track that has one.
    private var openByTrack: [Int: Alert] = [:]
    /// Tracks whose condition holds and waits to have lasted long enough.
    private var pending: Set<Int> = []
    private var staleTracks: [Int] = []
    private var nextStaleScan = Timestamp(microseconds: .min)
    /// The engine's clock: the latest reading time seen (capped at its receipt time).
    public private(set) var watermark = Timestamp(microseconds: .min)

    struct TrackKey: Hashable, Sendable {
        var rule: Int
        var key: SeriesKey
    }

    /// One rule's view of one series (or device).
    struct Track: Sendable {
        let rule: Int
        let key: SeriesKey
        /// When its open alert was raised; nil while none is open. The alert itself waits in
        /// `openByTrack`: kept small, a track is cheap to reach for every reading.
        var openSince: Timestamp?
        var pendingSince: Timestamp?
        /// Stale: last seen. Others: the time of the last observation taken.
        var lastTime: Timestamp?
        /// Rate: the value of the last observation taken.
        var lastValue = 0.0
        /// What was last compared with the rule's level: the reading, the rate, |z|.
        var level = 0.0
        /// Equipment state rules: the current state's tie-breakers and state.
        var current: (source: String, seq: Int64, state: String)?
        var stats: RollingStats?
    }

    /// - Parameter routes: the topic patterns of the configured routes, by route index, to
    ///   resolve rules limited to one route.
    public init(rules: [AlertRule], routes: [String]) {
        self.rules = rules
        routeOfRule = rules.map { rule in rule.route.flatMap { routes.firstIndex(of: $0) } }
    }

    /// Families some rule watches.
    public var families: Set<Family> { Set(rules.map(\.family)) }

    public var openAlerts: [Alert] {
        openByTrack.keys.sorted().map { openByTrack[$0]! } + restored.values.sorted {
            ($0.rule, $0.site ?? "", $0.line ?? "", $0.device, $0.metric) < ($1.rule, $1.site ?? "", $1.line ?? "", $1.device, $1.metric)
        }
    }

    // MARK: Restoring

    /// Takes over alerts that are open (from the table at start, or from the engine before a
    /// reload). An alert of a rule that is gone, or that no longer watches its series, is
    /// cleared at the next `advance`.
    public mutating func restore(open alerts: [Alert]) {
        for var alert in alerts {
            let key = alert.seriesKey
            guard let r = rules.firstIndex(where: { $0.name == alert.rule && $0.condition.kind == alert.kind }), rules[r].watches(key) else {
                orphans.append(alert)
                continue
            }
            alert.eachMetric = rules[r].watchesEveryMetric
            if rules[r].condition.isDeviceWide, let t = deviceWide[TrackKey(rule: r, key: key)] {
                setOpen(t, alert)
            } else {
                restored[TrackKey(rule: r, key: key)] = alert
            }
        }
    }

    /// Alerts of rules no longer configured, cleared at the next `advance`.
    private var orphans: [Alert] = []

    /// When each device was last seen before a restart: stale rules then raise for a device
    /// that never comes back.
    public mutating func restore(lastSeen: [(key: SeriesKey, time: Timestamp)]) {
        for (key, time) in lastSeen {
            let device = SeriesKey(family: key.family, site: key.site, line: key.line, device: key.device, metric: "")
            for (r, rule) in rules.enumerated() {
                guard case .stale = rule.condition, rule.watches(device) else { continue }
                let t = deviceTrack(rule: r, key: device)
                tracks[t].lastTime = max(tracks[t].lastTime ?? time, time)
            }
        }
    }

    /// The engine for new rules (a reload), keeping what the old one knew (`takeOver`).
    public func reconfigured(rules: [AlertRule], routes: [String]) -> AlertEngine {
        var next = AlertEngine(rules: rules, routes: routes)
        next.takeOver(self)
        return next
    }

    /// Takes over what `old` (the engine before a reload) knew, under this engine's rules:
    /// its clock, open alerts and last-seen times; open alerts of rules that are gone are
    /// cleared at the next `advance`.
    public mutating func takeOver(_ old: AlertEngine) {
        watermark = max(watermark, old.watermark)
        restore(open: old.openAlerts + old.orphans)
        restore(lastSeen: old.staleTracks.compactMap { t in old.tracks[t].lastTime.map { (old.tracks[t].key, $0) } })
    }

    // MARK: Observing

    /// One observation; the alerts it raises or clears are appended to `events`.
    public mutating func observe(_ o: Observation, into events: inout [AlertEvent]) {
        watermark = max(watermark, o.clockTime)
        let watching: [Int]
        if let known = slots[o.key] {
            watching = known
        } else {
            watching = makeSlot(for: o)
        }
        for t in watching { update(t, with: o, into: &events) }
    }

    private mutating func makeSlot(for o: Observation) -> [Int] {
        var found: [Int] = []
        for (r, rule) in rules.enumerated() where rule.watches(o.key) {
            if let route = routeOfRule[r], o.route >= 0, route != o.route { continue }  // < 0: restored, route unknown
            if rule.route != nil && routeOfRule[r] == nil { continue }  // its route is not configured
            if rule.condition.isDeviceWide {
                found.append(deviceTrack(rule: r, key: SeriesKey(family: o.key.family, site: o.key.site, line: o.key.line,
                                                                 device: o.key.device, metric: "")))
            } else {
                var track = Track(rule: r, key: o.key)
                if case .anomaly(let window, _, _, _) = rule.condition { track.stats = RollingStats(window: window) }
                found.append(tracks.count)
                tracks.append(track)
                if let alert = restored.removeValue(forKey: TrackKey(rule: r, key: o.key)) { setOpen(tracks.count - 1, alert) }
            }
        }
        slots[o.key] = found
        return found
    }

    private mutating func deviceTrack(rule r: Int, key: SeriesKey) -> Int {
        let id = TrackKey(rule: r, key: key)
        if let t = deviceWide[id] { return t }
        let t = tracks.count
        tracks.append(Track(rule: r, key: key))
        if let alert = restored.removeValue(forKey: id) { setOpen(t, alert) }
        deviceWide[id] = t
        if case .stale = rules[r].condition { staleTracks.append(t) }
        return t
    }

    private mutating func update(_ t: Int, with o: Observation, into events: inout [AlertEvent]) {
        switch rules[tracks[t].rule].condition {
        case .threshold(let bound):
            guard takeInOrder(t, o) else { return }
            level(t, value: o.value, bound: bound, at: o.time, detail: { [value = o.value] metric, verb, level in
                "\(metric) \(Self.number(value)) \(verb) \(Self.number(level))"
            }, into: &events)
        case .rate(let bound):
            let previous = (tracks[t].lastTime, tracks[t].lastValue)
            guard takeInOrder(t, o) else { return }
            tracks[t].lastValue = o.value
            guard let since = previous.0, o.time > since else { return }
            let seconds = Double(o.time.microseconds - since.microseconds) / 1_000_000
            let rate = abs(o.value - previous.1) / seconds
            level(t, value: rate, bound: bound, at: o.time, detail: { metric, verb, level in
                "\(metric) changing by \(Self.number(rate))/s, \(verb) \(Self.number(level))/s"
            }, into: &events)
        case .stale(let after):
            if tracks[t].openSince == nil, let seen = tracks[t].lastTime,
               o.time.microseconds - seen.microseconds >= after.wholeMicroseconds {
                // Its own return is the first sign of its silence (nothing moved the clock
                // past the deadline meanwhile): it was offline all the same.
                let due = Timestamp(microseconds: seen.microseconds + after.wholeMicroseconds)
                raise(t, at: due, value: Double(after.wholeMilliseconds) / 1_000, threshold: Double(after.wholeMilliseconds) / 1_000,
                      detail: "no data from \(o.key.device) for \(after)", into: &events)
            }
            tracks[t].lastTime = max(tracks[t].lastTime ?? o.time, o.time)
            if let since = tracks[t].openSince, o.time >= since {
                clear(t, at: o.time, value: nil, detail: "data again from \(o.key.device)", into: &events)
            }
        case .state(let watched):
            guard let state = o.state else { return }
            if let c = tracks[t].current, let last = tracks[t].lastTime, (o.time, o.source, o.seq) <= (last, c.source, c.seq) {
                return  // an older change replayed late: history, not the current state
            }
            tracks[t].lastTime = o.time
            tracks[t].current = (o.source, o.seq, state)
            if state == watched {
                guard tracks[t].openSince == nil else { return }
                if rules[tracks[t].rule].lasting != nil {
                    if tracks[t].pendingSince == nil {
                        tracks[t].pendingSince = o.time
                        pending.insert(t)
                    }
                } else {
                    raise(t, at: o.time, value: nil, threshold: nil, detail: "\(o.key.device) is \(state)", into: &events)
                }
            } else {
                tracks[t].pendingSince = nil
                pending.remove(t)
                if tracks[t].openSince != nil { clear(t, at: o.time, value: nil, detail: "\(o.key.device) is \(state)", into: &events) }
            }
        case .anomaly(_, let k, let clearK, let minSamples):
            guard takeInOrder(t, o) else { return }
            // Read before the new value joins, in place: a copy of the stats held across
            // `add` would copy its whole window (copy on write) for every reading.
            tracks[t].stats!.prune(before: o.time)
            let (count, mean, sd) = (tracks[t].stats!.count, tracks[t].stats!.mean, tracks[t].stats!.standardDeviation)
            tracks[t].stats!.add(o.value, at: o.time)
            guard count >= minSamples, sd > 0 else { return }
            let z = (o.value - mean) / sd
            level(t, value: abs(z), bound: AlertRule.Bound(above: true, raise: k, clear: clearK), at: o.time, detail: { [value = o.value] metric, verb, level in
                "\(metric) \(Self.number(value)) is \(Self.number(abs(z))) standard deviations from its mean \(Self.number(mean)), \(verb) \(Self.number(level))"
            }, into: &events)
        }
    }

    /// Observations older than the series' last one (or than its open alert, restored after
    /// a restart) are history arriving late: they do not move an alert back and forth.
    private mutating func takeInOrder(_ t: Int, _ o: Observation) -> Bool {
        if let last = tracks[t].lastTime, o.time < last { return false }
        if let since = tracks[t].openSince, o.time < since { return false }  // restored: older than its raise
        tracks[t].lastTime = o.time
        return true
    }

    /// A level with hysteresis, and a lasting condition when the rule has one. `detail` gets
    /// the side and the level crossed: ("above", raise) for a raise, ("below", clear) for a
    /// clear (the other way round for a rule that raises below).
    private mutating func level(_ t: Int, value: Double, bound: AlertRule.Bound, at time: Timestamp,
                                detail: (_ metric: String, _ side: String, _ level: Double) -> String, into events: inout [AlertEvent]) {
        tracks[t].level = value
        if tracks[t].openSince != nil {
            if bound.clears(value) {
                clear(t, at: time, value: value, detail: detail(tracks[t].key.metric, bound.above ? "below" : "above", bound.clear), into: &events)
            }
            return
        }
        guard bound.raises(value) else {
            if tracks[t].pendingSince != nil {
                tracks[t].pendingSince = nil
                pending.remove(t)
            }
            return
        }
        let side = bound.above ? "above" : "below"
        if let lasting = rules[tracks[t].rule].lasting {
            let since = tracks[t].pendingSince ?? time
            if tracks[t].pendingSince == nil {
                tracks[t].pendingSince = since
                pending.insert(t)
            }
            let due = Timestamp(microseconds: since.microseconds + lasting.wholeMicroseconds)
            guard time >= due else { return }
            pending.remove(t)
            tracks[t].pendingSince = nil
            // Raised when it had lasted, as `advance` would have: not at this (later) reading.
            raise(t, at: due, value: value, threshold: bound.raise, detail: detail(tracks[t].key.metric, side, bound.raise) + " for \(lasting)", into: &events)
        } else {
            raise(t, at: time, value: value, threshold: bound.raise, detail: detail(tracks[t].key.metric, side, bound.raise), into: &events)
        }
    }

    // MARK: The clock

    /// Moves the clock to at least `time` without a reading: when the pipeline is idle and
    /// caught up, the wall clock, so that a whole silent site still goes stale.
    public mutating func clock(reaches time: Timestamp) {
        watermark = max(watermark, time)
    }

    /// Raises what the clock decides: devices silent for too long, conditions that lasted;
    /// clears alerts of rules that are gone.
    public mutating func advance(into events: inout [AlertEvent]) {
        for alert in orphans {
            var cleared = alert
            cleared.clearedAt = max(watermark, alert.raisedAt)
            cleared.detail = "the rule \(alert.rule) is no longer configured"
            events.append(AlertEvent(cleared))
        }
        orphans.removeAll()
        if !pending.isEmpty {
            for t in pending.sorted() {
                guard let since = tracks[t].pendingSince, let lasting = rules[tracks[t].rule].lasting else { continue }
                let due = Timestamp(microseconds: since.microseconds + lasting.wholeMicroseconds)
                guard watermark >= due else { continue }
                pending.remove(t)
                tracks[t].pendingSince = nil
                let rule = rules[tracks[t].rule]
                switch rule.condition {
                case .state(let state):
                    raise(t, at: due, value: nil, threshold: nil, detail: "\(tracks[t].key.device) is \(state) for \(lasting)", into: &events)
                case .threshold(let b):
                    raise(t, at: due, value: tracks[t].level, threshold: b.raise,
                          detail: "\(tracks[t].key.metric) \(Self.number(tracks[t].level)) \(b.above ? "above" : "below") \(Self.number(b.raise)) for \(lasting)",
                          into: &events)
                case .rate(let b):
                    raise(t, at: due, value: tracks[t].level, threshold: b.raise,
                          detail: "\(tracks[t].key.metric) changing by \(Self.number(tracks[t].level))/s, \(b.above ? "above" : "below") \(Self.number(b.raise))/s for \(lasting)",
                          into: &events)
                case .anomaly(_, let k, _, _):
                    raise(t, at: due, value: tracks[t].level, threshold: k,
                          detail: "\(tracks[t].key.metric) \(Self.number(tracks[t].level)) standard deviations from its mean for \(lasting)",
                          into: &events)
                case .stale:
                    continue
                }
            }
        }
        guard watermark >= nextStaleScan, !staleTracks.isEmpty else { return }
        nextStaleScan = watermark + 1
        for t in staleTracks where tracks[t].openSince == nil {
            guard case .stale(let after) = rules[tracks[t].rule].condition, let seen = tracks[t].lastTime else { continue }
            let due = Timestamp(microseconds: seen.microseconds + after.wholeMicroseconds)
            guard watermark >= due else { continue }
            raise(t, at: due, value: Double(after.wholeMilliseconds) / 1_000, threshold: Double(after.wholeMilliseconds) / 1_000,
                  detail: "no data from \(tracks[t].key.device) for \(after)", into: &events)
        }
    }

    // MARK: Transitions

    private mutating func setOpen(_ t: Int, _ alert: Alert) {
        openByTrack[t] = alert
        tracks[t].openSince = alert.raisedAt
    }

    private mutating func raise(_ t: Int, at time: Timestamp, value: Double?, threshold: Double?, detail: String,
                                into events: inout [AlertEvent]) {
        let rule = rules[tracks[t].rule]
        let key = tracks[t].key
        var alert = Alert(rule: rule.name, kind: rule.condition.kind, severity: rule.severity, family: key.family, site: key.site,
                          line: key.line, device: key.device, metric: key.metric, value: value, threshold: threshold, raisedAt: time, detail: detail)
        alert.eachMetric = rule.watchesEveryMetric
        setOpen(t, alert)
        events.append(AlertEvent(alert))
    }

    private mutating func clear(_ t: Int, at time: Timestamp, value: Double?, detail: String, into events: inout [AlertEvent]) {
        guard var alert = openByTrack.removeValue(forKey: t) else { return }
        alert.clearedAt = max(time, alert.raisedAt)
        alert.clearValue = value
        alert.detail = detail
        tracks[t].openSince = nil
        events.append(AlertEvent(alert))
    }

    /// A number for a detail text: at most three decimals, no trailing zeros.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        let rounded = (v * 1_000).rounded() / 1_000
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return "\(rounded)"
    }
}
