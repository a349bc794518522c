/// Collects readings and dead letters into batches: flushes when a batch reaches its size,
/// when its oldest entry reaches its age, and always on shutdown. No clock inside: the
/// caller passes `now` and fires the timer at `deadline`.
public struct BatchStateMachine: Sendable {
    public enum Action: Equatable, Sendable {
        case none
        case flush(Batch)
    }

    public let maxRows: Int
    public let maxAge: Duration
    private var batch = Batch()
    /// When the current batch must be flushed; nil while it is empty.
    public private(set) var deadline: ContinuousClock.Instant?

    public init(maxRows: Int, maxAge: Duration) {
        precondition(maxRows > 0)
        self.maxRows = maxRows
        self.maxAge = maxAge
    }

    public var pendingCount: Int { batch.count }

    public mutating func readingReceived(_ reading: SensorReading, correction: Bool = false,
                                         now: ContinuousClock.Instant) -> Action {
        batch.readings.append(reading)
        if correction { batch.mayRepeatKeys = true }
        return added(now: now)
    }

    public mutating func deadLetterReceived(_ letter: DeadLetter, now: ContinuousClock.Instant) -> Action {
        batch.deadLetters.append(letter)
        return added(now: now)
    }

    public mutating func timerFired(now: ContinuousClock.Instant) -> Action {
        guard let deadline, now >= deadline else { return .none }
        return flush()
    }

    public mutating func shutdownRequested() -> Action {
        flush()
    }

    private mutating func added(now: ContinuousClock.Instant) -> Action {
        if deadline == nil { deadline = now + maxAge }
        if batch.count >= maxRows { return flush() }
        if let deadline, now >= deadline { return flush() }
        return .none
    }

    private mutating func flush() -> Action {
        deadline = nil
        guard !batch.isEmpty else { return .none }
        let out = batch
        batch = Batch()
        batch.readings.reserveCapacity(maxRows)
        return .flush(out)
    }
}
