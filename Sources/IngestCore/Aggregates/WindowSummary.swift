/// What one tumbling window of one series held when it closed. Windows are aligned to the
/// Unix epoch: a window of length L starts at floor(ts / L) × L, and holds `start <= ts < end`.
public struct WindowSummary: Equatable, Sendable {
    /// The window's label in topics, e.g. `10s`, `1m` (see `AggregateSettings.label`).
    public var window: String
    public var length: Duration
    public var key: SeriesKey
    /// Inclusive.
    public var start: Timestamp
    /// Exclusive.
    public var end: Timestamp
    public var count: Int
    public var min: Double
    public var max: Double
    public var avg: Double
    /// The value with the greatest time in the window; of two with the same time, the one
    /// added later.
    public var last: Double
    public var lastTs: Timestamp

    public init(window: String, length: Duration, key: SeriesKey, start: Timestamp, end: Timestamp, count: Int,
                min: Double, max: Double, avg: Double, last: Double, lastTs: Timestamp) {
        self.window = window
        self.length = length
        self.key = key
        self.start = start
        self.end = end
        self.count = count
        self.min = min
        self.max = max
        self.avg = avg
        self.last = last
        self.lastTs = lastTs
    }
}
