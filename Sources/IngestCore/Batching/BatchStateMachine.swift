/// Decides when a batch is written: when it holds `maxRows` entries, when its oldest entry
/// reaches `maxAge`, and always on shutdown. It counts entries; the pipeline holds them. No
/// clock inside: the caller passes `now` and fires the timer at `deadline`.
public struct BatchStateMachine: Sendable {
    public enum Action: Equatable, Sendable {
        case none
        case flush
    }

    public let maxRows: Int
    public let maxAge: Duration
    public private(set) var pendingCount = 0
    /// When the current batch must be flushed; nil while it is empty.
    public private(set) var deadline: ContinuousClock.Instant?

    public init(maxRows: Int, maxAge: Duration) {
        precondition(maxRows > 0)
        self.maxRows = maxRows
        self.maxAge = maxAge
    }

    /// `count` entries (rows or dead letters) joined the batch.
    public mutating func entriesAdded(_ count: Int, now: ContinuousClock.Instant) -> Action {
        guard count > 0 else { return .none }
        pendingCount += count
        if deadline == nil { deadline = now + maxAge }
        if pendingCount >= maxRows { return flush() }
        if let deadline, now >= deadline { return flush() }
        return .none
    }

    public mutating func timerFired(now: ContinuousClock.Instant) -> Action {
        guard let deadline, now >= deadline else { return .none }
        return flush()
    }

    public mutating func shutdownRequested() -> Action {
        flush()
    }

    private mutating func flush() -> Action {
        deadline = nil
        guard pendingCount > 0 else { return .none }
        pendingCount = 0
        return .flush
    }
}
