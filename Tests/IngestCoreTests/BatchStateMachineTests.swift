import Testing
@testable import IngestCore

/// The batcher counts entries (rows and dead letters); the pipeline holds them. These tests
/// prove when it asks for a flush.
@Suite struct BatchStateMachineTests {
    // MARK: Size

    @Test func flushesExactlyWhenFullAndNotBefore() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 3, maxAge: .seconds(10))
        #expect(m.entriesAdded(1, now: t0) == .none)
        #expect(m.entriesAdded(1, now: t0 + .milliseconds(1)) == .none)
        #expect(m.pendingCount == 2)
        #expect(m.entriesAdded(1, now: t0 + .milliseconds(2)) == .flush)
        #expect(m.pendingCount == 0)
        #expect(m.deadline == nil)
    }

    @Test func maxRowsOfOneFlushesEveryEntry() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 1, maxAge: .seconds(10))
        #expect(m.entriesAdded(1, now: t0) == .flush)
        #expect(m.entriesAdded(1, now: t0) == .flush)
        #expect(m.pendingCount == 0)
    }

    /// A message may add several entries at once (an array payload, a dead letter beside its
    /// accepted rows): crossing the size by more than one still flushes, once.
    @Test func severalEntriesAtOnceThatReachOrPassTheSizeFlush() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 5, maxAge: .seconds(10))
        #expect(m.entriesAdded(3, now: t0) == .none)
        #expect(m.pendingCount == 3)
        #expect(m.entriesAdded(4, now: t0) == .flush)
        #expect(m.pendingCount == 0)
        #expect(m.entriesAdded(5, now: t0) == .flush)
        #expect(m.entriesAdded(40, now: t0) == .flush)
    }

    @Test func addingNoEntriesChangesNothing() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 1, maxAge: .milliseconds(200))
        #expect(m.entriesAdded(0, now: t0) == .none)
        #expect(m.pendingCount == 0)
        #expect(m.deadline == nil, "an empty batch has no deadline")
        #expect(m.entriesAdded(0, now: t0 + .seconds(5)) == .none)
    }

    // MARK: Age

    @Test func timerBeforeTheDeadlineDoesNothing() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        _ = m.entriesAdded(1, now: t0)
        #expect(m.timerFired(now: t0) == .none)
        #expect(m.timerFired(now: t0 + .milliseconds(199)) == .none)
        #expect(m.pendingCount == 1)
        #expect(m.deadline == t0 + .milliseconds(200))
    }

    @Test func timerAtTheDeadlineFlushes() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        _ = m.entriesAdded(1, now: t0)
        #expect(m.timerFired(now: t0 + .milliseconds(200)) == .flush)
        #expect(m.deadline == nil)
        #expect(m.pendingCount == 0)
    }

    @Test func timerAfterTheDeadlineFlushesOnce() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        _ = m.entriesAdded(1, now: t0)
        #expect(m.timerFired(now: t0 + .seconds(5)) == .flush)
        #expect(m.timerFired(now: t0 + .seconds(6)) == .none)
    }

    @Test func timerWithNothingPendingDoesNothing() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        #expect(m.deadline == nil)
        #expect(m.timerFired(now: t0 + .seconds(1)) == .none)
    }

    @Test func deadlineIsSetByTheFirstEntryOnly() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        _ = m.entriesAdded(1, now: t0)
        #expect(m.deadline == t0 + .milliseconds(200))
        _ = m.entriesAdded(1, now: t0 + .milliseconds(150))
        _ = m.entriesAdded(2, now: t0 + .milliseconds(190))
        #expect(m.deadline == t0 + .milliseconds(200))
        #expect(m.pendingCount == 4)
        #expect(m.timerFired(now: t0 + .milliseconds(200)) == .flush)
    }

    @Test func entryArrivingAfterTheDeadlineFlushesAtOnce() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        _ = m.entriesAdded(1, now: t0)
        #expect(m.entriesAdded(1, now: t0 + .milliseconds(250)) == .flush)
        #expect(m.pendingCount == 0)
    }

    @Test func afterAFlushANewBatchStartsWithANewDeadline() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        _ = m.entriesAdded(1, now: t0)
        #expect(m.timerFired(now: t0 + .milliseconds(200)) == .flush)
        #expect(m.entriesAdded(1, now: t0 + .milliseconds(500)) == .none)
        #expect(m.deadline == t0 + .milliseconds(700))
        #expect(m.timerFired(now: t0 + .milliseconds(600)) == .none)
        #expect(m.timerFired(now: t0 + .milliseconds(700)) == .flush)
    }

    @Test func afterASizeFlushTheNextEntryStartsANewDeadline() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 2, maxAge: .milliseconds(200))
        _ = m.entriesAdded(1, now: t0)
        #expect(m.entriesAdded(1, now: t0 + .milliseconds(100)) == .flush)
        #expect(m.entriesAdded(1, now: t0 + .milliseconds(150)) == .none)
        #expect(m.deadline == t0 + .milliseconds(350))
        #expect(m.timerFired(now: t0 + .milliseconds(200)) == .none)
    }

    // MARK: Shutdown

    @Test func shutdownFlushesWhatIsPending() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .seconds(60))
        _ = m.entriesAdded(1, now: t0)
        _ = m.entriesAdded(1, now: t0)
        #expect(m.shutdownRequested() == .flush)
        #expect(m.pendingCount == 0)
        #expect(m.deadline == nil)
        #expect(m.shutdownRequested() == .none)
    }

    @Test func shutdownWithNothingPendingReturnsNone() {
        var m = BatchStateMachine(maxRows: 100, maxAge: .seconds(60))
        #expect(m.shutdownRequested() == .none)
    }
}
