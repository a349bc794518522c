/// A log line for something that may happen thousands of times a second (a bound hit), at
/// most once per `interval`: `happened` counts each occurrence and says, when a line is due,
/// how many there were since the last one.
struct LogThrottle: Sendable {
    let interval: Duration
    private var last: ContinuousClock.Instant?
    private var since = 0

    init(every interval: Duration) { self.interval = interval }

    /// One occurrence at `now`; the count since the last line when one is due now, else nil.
    mutating func happened(now: ContinuousClock.Instant, count: Int = 1) -> Int? {
        since += count
        if let last, now - last < interval { return nil }
        last = now
        defer { since = 0 }
        return since
    }
}
