/// Tumbling-window aggregates of numeric series: count, min, max, avg and last of every
/// series in every configured window length, handed out when a window closes.
///
/// Time comes only from the caller: readings carry their own time, and `advance(to:into:)`
/// moves a watermark that never goes backwards. For a window length L and a grace G:
///
/// - a window `[s, s + L)` is **closed** once the watermark `w` satisfies `w >= s + L + G`;
///   `advance` hands it out then, and forgets it;
/// - a reading at `ts` is **late for L** when its window is closed, that is when
///   `floor(ts / L) × L + L + G <= w`. The closed horizon of L is therefore the end of the
///   latest closed window, `floor((w - G) / L) × L`, and a reading is late for L exactly when
///   `ts` is below it. A window with no reading closes all the same: lateness depends only
///   on `ts`, L, G and the watermark, never on what other series did.
///
/// A late reading is left out of the windows it is late for and still goes into the
/// lengths whose window is open (a reading too late for 10 s may still be in time for 1 min);
/// `add` says it was late and `late` counts it once.
///
/// Only open windows are kept: they are grouped by start per length, and a group is dropped
/// as a whole when it closes, so a series without an open window takes no memory. With a
/// watermark that follows the readings, a series holds about G / L + 2 windows per length.
///
/// Output order is deterministic: by window end, then series key (family, site, device,
/// metric), then window length; the same readings and watermarks give the same summaries.
///
/// - Important: a value type and not thread-safe: one owner adds and advances.
public struct WindowAggregator: Sendable {
    public let settings: AggregateSettings
    /// The latest watermark given, nil before the first.
    public private(set) var watermark: Timestamp?
    /// How many readings were late for at least one window length.
    public internal(set) var late = 0

    private var lengths: [Length]
    private let grace: Int64
    private let families: [Family]
    /// The watermark in microseconds, `Int64.min` before the first.
    private var mark = Int64.min

    /// Times beyond ±2^61 µs (about 73,000 years) are ignored, so that window arithmetic
    /// never overflows; validation keeps real readings far inside.
    private static let bound: Int64 = 1 << 61

    /// An aggregator of `settings`. Window lengths below one microsecond and repeated lengths
    /// are left out (the config never gives them).
    public init(settings: AggregateSettings) {
        self.settings = settings
        var lengths: [Length] = []
        if settings.enabled {
            for window in settings.windows {
                let micros = Swift.min(window.wholeMicroseconds, Self.bound)
                guard micros > 0, !lengths.contains(where: { $0.micros == micros }) else { continue }
                lengths.append(Length(label: AggregateSettings.label(window), duration: window, micros: micros))
            }
        }
        self.lengths = lengths
        grace = Swift.max(0, Swift.min(settings.grace.wholeMicroseconds, Self.bound))
        families = settings.families
    }

    /// How many windows are open, over all series and lengths.
    public var openWindows: Int {
        lengths.reduce(0) { sum, length in length.buckets.reduce(sum) { $0 + $1.series.count } }
    }

    /// Adds one value of a series at `ts` to the open window of every length that holds `ts`.
    /// Returns false, and counts the reading in `late`, when it is late for any length (see
    /// the type's comment); it is still added to the lengths it is not late for.
    ///
    /// A reading of a family not in `settings.families`, any reading when aggregates are
    /// disabled, a non-finite value (validation never lets one through) and a time out of
    /// range are ignored and return true.
    public mutating func add(_ key: SeriesKey, ts: Timestamp, value: Double) -> Bool {
        guard accepts(key.family) else { return true }
        guard insert(key, ts: ts.microseconds, value: value) else {
            late += 1
            return false
        }
        return true
    }

    /// Whether readings of `family` are aggregated.
    func accepts(_ family: Family) -> Bool { !lengths.isEmpty && families.contains(family) }

    /// Adds without counting lateness; returns false when late for some length.
    mutating func insert(_ key: SeriesKey, ts t: Int64, value: Double) -> Bool {
        guard value.isFinite, t > -Self.bound, t < Self.bound else { return true }
        var inTime = true
        for i in lengths.indices {
            let length = lengths[i].micros
            let r = t % length
            let start = r >= 0 ? t - r : t - r - length
            if start + length + grace <= mark {
                inTime = false
                continue
            }
            lengths[i].add(key, start: start, ts: t, value: value)
        }
        return inTime
    }

    /// Moves the watermark to `watermark` and appends the summary of every window it closes
    /// (end + grace <= watermark) to `out`, in end, key, length order; those windows are
    /// forgotten. A watermark below the current one is ignored. When nothing closes it only
    /// looks at the oldest open window of each length, so it may be called for every reading.
    public mutating func advance(to watermark: Timestamp, into out: inout [WindowSummary]) {
        let w = watermark.microseconds
        guard w > mark else { return }
        mark = w
        self.watermark = watermark
        let first = out.count
        for i in lengths.indices {
            let length = lengths[i].micros
            var n = 0
            while n < lengths[i].buckets.count, lengths[i].buckets[n].start + length + grace <= w { n += 1 }
            guard n > 0 else { continue }
            for bucket in lengths[i].buckets[..<n] {
                lengths[i].sizeHint = bucket.series.count
                let start = Timestamp(microseconds: bucket.start), end = Timestamp(microseconds: bucket.start + length)
                for (key, a) in bucket.series {
                    out.append(WindowSummary(window: lengths[i].label, length: lengths[i].duration, key: key, start: start,
                                             end: end, count: a.count, min: a.min, max: a.max, avg: a.sum / Double(a.count),
                                             last: a.last, lastTs: Timestamp(microseconds: a.lastTs)))
                }
            }
            lengths[i].buckets.removeFirst(n)
        }
        // Dictionaries iterate in no fixed order: sort what this call closed.
        if out.count - first > 1 { out[first...].sort(by: Self.precedes) }
    }

    /// The output order: end, then key, then length.
    static func precedes(_ a: WindowSummary, _ b: WindowSummary) -> Bool {
        if a.end != b.end { return a.end < b.end }
        if a.key != b.key { return keyPrecedes(a.key, b.key) }
        return a.length < b.length
    }

    /// Family, then site (none first), device, metric.
    static func keyPrecedes(_ a: SeriesKey, _ b: SeriesKey) -> Bool {
        if a.family != b.family { return a.family.rawValue < b.family.rawValue }
        if a.site != b.site {
            guard let sa = a.site else { return true }
            guard let sb = b.site else { return false }
            return sa < sb
        }
        if a.device != b.device { return a.device < b.device }
        return a.metric < b.metric
    }
}

extension WindowAggregator {
    /// One window length and its open windows.
    struct Length: Sendable {
        let label: String
        let duration: Duration
        let micros: Int64
        /// Open windows grouped by start, in ascending start order; few (about grace / length
        /// + 2, more only for readings ahead of the watermark).
        var buckets: [Bucket] = []
        /// The series count of the last closed window, to size the next one's dictionary.
        var sizeHint = 0

        init(label: String, duration: Duration, micros: Int64) {
            self.label = label
            self.duration = duration
            self.micros = micros
        }

        mutating func add(_ key: SeriesKey, start: Int64, ts: Int64, value: Double) {
            let i = bucketIndex(start)
            // One hash lookup, updated in place.
            buckets[i].series[key, default: Accumulator()].add(ts: ts, value: value)
        }

        /// The index of the bucket starting at `start`, made when missing.
        private mutating func bucketIndex(_ start: Int64) -> Int {
            // Most readings fall in the newest window.
            if let last = buckets.indices.last, buckets[last].start == start { return last }
            var low = 0, high = buckets.count
            while low < high {
                let mid = (low + high) / 2
                if buckets[mid].start < start { low = mid + 1 } else { high = mid }
            }
            if low < buckets.count, buckets[low].start == start { return low }
            buckets.insert(Bucket(start: start, series: Dictionary(minimumCapacity: sizeHint)), at: low)
            return low
        }
    }

    /// The open windows of one length that share a start.
    struct Bucket: Sendable {
        let start: Int64
        var series: [SeriesKey: Accumulator]
    }

    /// What one open window of one series holds so far.
    struct Accumulator: Sendable {
        var count = 0
        var min = Double.infinity
        var max = -Double.infinity
        var sum = 0.0
        var last = 0.0
        var lastTs = Int64.min

        mutating func add(ts: Int64, value: Double) {
            count += 1
            if value < min { min = value }
            if value > max { max = value }
            sum += value
            // `>=`: of two values at the same time, the later one added wins.
            if ts >= lastTs {
                last = value
                lastTs = ts
            }
        }
    }
}
