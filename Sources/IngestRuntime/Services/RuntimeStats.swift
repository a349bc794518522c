import IngestCore

/// Counters shared by the pipeline and writer threads, read by the periodic log line and
/// by tests. Guarded by one lock; every update is a few additions.
public final class RuntimeStats: @unchecked Sendable {
    private let lock = ConditionLock()
    private var outcomes = OutcomeCounters()
    private var rowsCommitted = 0
    private var deadLettersCommitted = 0
    private var batchesCommitted = 0
    private var commitMicros: Int64 = 0
    private var writeFailures = 0

    public init() {}

    func add(_ delta: OutcomeCounters) {
        lock.withLock {
            outcomes.accepted += delta.accepted
            outcomes.duplicate += delta.duplicate
            outcomes.updated += delta.updated
            outcomes.rejected += delta.rejected
            outcomes.deadLetters += delta.deadLetters
            for (k, v) in delta.rejectedByReason { outcomes.rejectedByReason[k, default: 0] += v }
        }
    }

    func committed(rows: Int, deadLetters: Int, micros: Int64) {
        lock.withLock {
            rowsCommitted += rows
            deadLettersCommitted += deadLetters
            batchesCommitted += 1
            commitMicros += micros
        }
    }

    func writeFailed() { lock.withLock { writeFailures += 1 } }

    /// A point-in-time copy of every counter.
    public struct Snapshot: Sendable {
        public var outcomes: OutcomeCounters
        public var rowsCommitted: Int
        public var deadLettersCommitted: Int
        public var batchesCommitted: Int
        public var commitMicros: Int64
        public var writeFailures: Int
    }

    public var snapshot: Snapshot {
        lock.withLock {
            Snapshot(outcomes: outcomes, rowsCommitted: rowsCommitted, deadLettersCommitted: deadLettersCommitted,
                     batchesCommitted: batchesCommitted, commitMicros: commitMicros, writeFailures: writeFailures)
        }
    }
}
