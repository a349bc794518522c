/// The stages after deduplication that watch the data instead of storing it — the alert
/// engine and the window aggregator — on one clock: the latest reading time seen, each
/// capped at its receipt time (`Observation.clockTime`). What they decide waits here for the
/// next batch: alerts are stored with it, window summaries published after it commits.
/// They follow only the series `budget` admits (`SeriesBounds`): what one device invents
/// cannot grow their memory or the summaries published without bound.
public struct Analytics: Sendable {
    public private(set) var engine: AlertEngine
    private var aggregator: WindowAggregator
    private let aggregates: AggregateSettings
    /// The families windowed (a list: comparing a handful beats hashing for every reading).
    private let aggregated: [Family]
    /// Families whose records are observed at all.
    public let families: Set<Family>
    private(set) var events: [AlertEvent] = []
    private(set) var summaries: [WindowSummary] = []
    /// Readings too late for a window that was already closed (still stored).
    public private(set) var late = 0
    /// The clock: `engine.watermark`, the latest reading time seen.
    public var watermark: Timestamp { engine.watermark }
    private var closedThrough = Timestamp(microseconds: .min)
    /// The series followed; readings of others are stored, not observed (and counted here).
    public private(set) var budget: SeriesBudget

    public init(rules: [AlertRule], routes: [String], aggregates: AggregateSettings, bounds: SeriesBounds = SeriesBounds()) {
        budget = SeriesBudget(bounds: bounds)
        engine = AlertEngine(rules: rules, routes: routes)
        aggregator = WindowAggregator(settings: aggregates)
        self.aggregates = aggregates
        aggregated = aggregates.enabled ? Array(aggregates.families) : []
        families = engine.families.union(aggregates.enabled ? aggregates.families : [])
    }

    /// Takes over what `old` (before a reload) knew, under these rules and windows: open
    /// alerts, last-seen times, what waits for the next batch, the late count, the series
    /// followed (under the new bounds) and the open windows when the window settings did not
    /// change (otherwise they are dropped).
    public mutating func takeOver(_ old: Analytics) {
        budget = old.budget.rebounded(budget.bounds)
        engine.takeOver(old.engine)
        events = old.events
        summaries = old.summaries
        late = old.late
        if aggregates == old.aggregates { aggregator = old.aggregator }
        closedThrough = old.closedThrough
    }

    public var isEmpty: Bool { events.isEmpty && summaries.isEmpty }
    public var pendingCount: Int { events.count + summaries.count }

    public mutating func observe(_ observations: [Observation]) {
        for o in observations {
            guard budget.admit(o.key) else { continue }
            engine.observe(o, into: &events)
            if aggregated.contains(o.key.family) && o.state == nil {
                if !aggregator.add(o.key, ts: o.time, value: o.value) { late += 1 }
            }
        }
    }

    /// Lets the clock decide: stale devices, conditions that lasted, windows past their grace.
    public mutating func advance() {
        engine.advance(into: &events)
        if aggregates.enabled && engine.watermark > closedThrough {
            closedThrough = engine.watermark
            aggregator.advance(to: engine.watermark, into: &summaries)
        }
    }

    /// The pipeline is idle and caught up: reading time is taken to have reached `now`.
    public mutating func idle(now: Timestamp) {
        engine.clock(reaches: now)
        advance()
    }

    /// Hands over what waits for the next batch.
    public mutating func take() -> (alerts: [AlertEvent], aggregates: [WindowSummary]) {
        defer {
            events.removeAll()
            summaries.removeAll()
        }
        return (events, summaries)
    }

    /// Takes over what was known before a restart: open alerts, when devices were last seen,
    /// and the equipment's current states (observed again: a state rule raises what is not
    /// open yet, and the table keeps what is open from being raised twice). The series of
    /// open alerts are followed whatever the bounds (they must stay clearable); devices last
    /// seen and current states only within them.
    public mutating func restore(open alerts: [Alert], lastSeen: [(key: SeriesKey, time: Timestamp)], currentStates: [Observation]) {
        for alert in alerts {
            budget.reserve(SeriesKey(family: alert.family, site: alert.site, line: alert.line, device: alert.device, metric: alert.metric))
        }
        engine.restore(open: alerts)
        engine.restore(lastSeen: lastSeen.filter { budget.admit($0.key) })
        for o in currentStates where budget.admit(o.key) { engine.observe(o, into: &events) }
    }
}

extension AggregateSettings {
    /// No windows: a pipeline without analytics (tests, `ingestd parse`).
    public static var off: AggregateSettings {
        var settings = AggregateSettings()
        settings.enabled = false
        return settings
    }
}
