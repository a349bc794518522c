import IngestCore
import Synchronization

/// Counters shared by the pipeline and writer threads, read by the progress reporter, the
/// status message and tests. Every update is a few additions under one mutex.
public final class RuntimeStats: Sendable {
    /// A point-in-time copy of every counter.
    public struct Snapshot: Sendable, Equatable {
        public var fates = FateCounters()
        public var rowsCommitted = 0
        public var deadLettersCommitted = 0
        public var batchesCommitted = 0
        public var commitMicros: Int64 = 0
        public var writeFailures = 0
        /// Readings later than a window's grace: stored, not in that window's summary.
        public var lateReadings = 0
        /// Alert changes the database took as news and that were published.
        public var alertsRaised = 0
        public var alertsCleared = 0
        public var windowsPublished = 0

        /// The alert and window counters, for the status message.
        var analyticsCounts: [String: Int] {
            ["alerts_raised": alertsRaised, "alerts_cleared": alertsCleared, "windows_published": windowsPublished, "late_readings": lateReadings]
        }
    }

    private let state = Mutex(Snapshot())

    public init() {}

    func add(_ delta: FateCounters) {
        state.withLock { $0.fates.add(delta) }
    }

    func committed(rows: Int, deadLetters: Int, micros: Int64) {
        state.withLock {
            $0.rowsCommitted += rows
            $0.deadLettersCommitted += deadLetters
            $0.batchesCommitted += 1
            $0.commitMicros += micros
        }
    }

    func writeFailed() { state.withLock { $0.writeFailures += 1 } }

    func lateReadings(_ n: Int) { state.withLock { $0.lateReadings += n } }

    func published(alert: AlertEvent) {
        state.withLock { if alert.isRaise { $0.alertsRaised += 1 } else { $0.alertsCleared += 1 } }
    }

    func published(windows n: Int) { state.withLock { $0.windowsPublished += n } }

    public var snapshot: Snapshot { state.withLock { $0 } }
}
