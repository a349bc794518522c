import Testing
@testable import IngestCore

@Suite struct BatchStateMachineTests {
    static let ts = Timestamp(rfc3339: "2026-11-23T08:00:00Z")!

    func reading(_ device: String, _ value: Double = 1, ts: Timestamp = ts) -> SensorReading {
        SensorReading(ts: ts, device: device, metric: "temp", value: value, receivedAt: Self.ts)
    }

    func letter(_ topic: String) -> DeadLetter {
        DeadLetter(topic: topic, family: "sensor", reason: .emptyBatch, payload: Array("[]".utf8), bound: 4096,
                   receivedAt: Self.ts)
    }

    // MARK: Size

    @Test func flushesExactlyWhenFullAndNotBefore() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 3, maxAge: .seconds(10))
        #expect(m.readingReceived(reading("a"), now: t0) == .none)
        #expect(m.readingReceived(reading("b"), now: t0 + .milliseconds(1)) == .none)
        #expect(m.pendingCount == 2)
        #expect(m.readingReceived(reading("c"), now: t0 + .milliseconds(2))
            == .flush(Batch(readings: [reading("a"), reading("b"), reading("c")])))
        #expect(m.pendingCount == 0)
        #expect(m.deadline == nil)
    }

    @Test func maxRowsOfOneFlushesEveryEntry() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 1, maxAge: .seconds(10))
        #expect(m.readingReceived(reading("a"), now: t0) == .flush(Batch(readings: [reading("a")])))
        #expect(m.deadLetterReceived(letter("x"), now: t0) == .flush(Batch(deadLetters: [letter("x")])))
    }

    @Test func deadLettersCountTowardTheSize() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 3, maxAge: .seconds(10))
        #expect(m.deadLetterReceived(letter("x"), now: t0) == .none)
        #expect(m.readingReceived(reading("a"), now: t0) == .none)
        #expect(m.pendingCount == 2)
        #expect(m.deadLetterReceived(letter("y"), now: t0)
            == .flush(Batch(readings: [reading("a")], deadLetters: [letter("x"), letter("y")])))
    }

    // MARK: Age

    @Test func timerBeforeTheDeadlineDoesNothing() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        _ = m.readingReceived(reading("a"), now: t0)
        #expect(m.timerFired(now: t0) == .none)
        #expect(m.timerFired(now: t0 + .milliseconds(199)) == .none)
        #expect(m.pendingCount == 1)
        #expect(m.deadline == t0 + .milliseconds(200))
    }

    @Test func timerAtTheDeadlineFlushes() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        _ = m.readingReceived(reading("a"), now: t0)
        #expect(m.timerFired(now: t0 + .milliseconds(200)) == .flush(Batch(readings: [reading("a")])))
        #expect(m.deadline == nil)
        #expect(m.pendingCount == 0)
    }

    @Test func timerAfterTheDeadlineFlushes() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        _ = m.deadLetterReceived(letter("x"), now: t0)
        #expect(m.timerFired(now: t0 + .seconds(5)) == .flush(Batch(deadLetters: [letter("x")])))
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
        _ = m.readingReceived(reading("a"), now: t0)
        #expect(m.deadline == t0 + .milliseconds(200))
        _ = m.readingReceived(reading("b"), now: t0 + .milliseconds(150))
        _ = m.deadLetterReceived(letter("x"), now: t0 + .milliseconds(190))
        #expect(m.deadline == t0 + .milliseconds(200))
        #expect(m.timerFired(now: t0 + .milliseconds(200))
            == .flush(Batch(readings: [reading("a"), reading("b")], deadLetters: [letter("x")])))
    }

    @Test func entryArrivingAfterTheDeadlineFlushesAtOnce() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        _ = m.readingReceived(reading("a"), now: t0)
        #expect(m.readingReceived(reading("b"), now: t0 + .milliseconds(250))
            == .flush(Batch(readings: [reading("a"), reading("b")])))
    }

    @Test func afterAFlushANewBatchStartsWithANewDeadline() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .milliseconds(200))
        _ = m.readingReceived(reading("a"), now: t0)
        #expect(m.timerFired(now: t0 + .milliseconds(200)) == .flush(Batch(readings: [reading("a")])))
        #expect(m.readingReceived(reading("b"), now: t0 + .milliseconds(500)) == .none)
        #expect(m.deadline == t0 + .milliseconds(700))
        #expect(m.timerFired(now: t0 + .milliseconds(600)) == .none)
        #expect(m.timerFired(now: t0 + .milliseconds(700)) == .flush(Batch(readings: [reading("b")])))
    }

    @Test func afterASizeFlushTheNextEntryStartsANewDeadline() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 2, maxAge: .milliseconds(200))
        _ = m.readingReceived(reading("a"), now: t0)
        #expect(m.readingReceived(reading("b"), now: t0 + .milliseconds(100)) != .none)
        #expect(m.readingReceived(reading("c"), now: t0 + .milliseconds(150)) == .none)
        #expect(m.deadline == t0 + .milliseconds(350))
        #expect(m.timerFired(now: t0 + .milliseconds(200)) == .none)
    }

    // MARK: Shutdown

    @Test func shutdownFlushesWhatIsPending() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .seconds(60))
        _ = m.readingReceived(reading("a"), now: t0)
        _ = m.deadLetterReceived(letter("x"), now: t0)
        #expect(m.shutdownRequested() == .flush(Batch(readings: [reading("a")], deadLetters: [letter("x")])))
        #expect(m.pendingCount == 0)
        #expect(m.deadline == nil)
        #expect(m.shutdownRequested() == .none)
    }

    @Test func shutdownWithNothingPendingReturnsNone() {
        var m = BatchStateMachine(maxRows: 100, maxAge: .seconds(60))
        #expect(m.shutdownRequested() == .none)
    }

    // MARK: Corrections

    @Test func aCorrectionMarksTheBatchAsMayRepeatKeysUntilItIsFlushed() {
        let t0 = ContinuousClock.now
        var m = BatchStateMachine(maxRows: 100, maxAge: .seconds(60))
        _ = m.readingReceived(reading("a", 1), now: t0)
        _ = m.readingReceived(reading("a", 2), correction: true, now: t0)
        #expect(m.shutdownRequested()
            == .flush(Batch(readings: [reading("a", 1), reading("a", 2)], mayRepeatKeys: true)))
        _ = m.readingReceived(reading("b"), now: t0)
        #expect(m.shutdownRequested() == .flush(Batch(readings: [reading("b")], mayRepeatKeys: false)))
    }

    // MARK: Batch

    @Test func readingsWithUniqueKeysKeepsTheLastOfRepeatedKeysInFirstSeenPosition() {
        let batch = Batch(readings: [reading("a", 1), reading("b", 1), reading("a", 2), reading("c", 1), reading("a", 3),
                                     reading("b", 5)],
                          mayRepeatKeys: true)
        #expect(batch.readingsWithUniqueKeys == [reading("a", 3), reading("b", 5), reading("c", 1)])
    }

    @Test func readingsWithUniqueKeysTellsKeysApartByDeviceMetricAndTime() {
        var other = reading("a", 2)
        other.metric = "hum"
        let later = reading("a", 3, ts: Self.ts + 1)
        let batch = Batch(readings: [reading("a", 1), other, later], mayRepeatKeys: true)
        #expect(batch.readingsWithUniqueKeys == [reading("a", 1), other, later])
    }

    @Test func readingsWithUniqueKeysLeavesReadingsAloneWithoutMayRepeatKeys() {
        let readings = [reading("a", 1), reading("a", 2)]
        #expect(Batch(readings: readings).readingsWithUniqueKeys == readings)
    }

    @Test func batchCountsReadingsAndDeadLetters() {
        #expect(Batch().isEmpty)
        #expect(Batch().count == 0)
        let b = Batch(readings: [reading("a")], deadLetters: [letter("x"), letter("y")])
        #expect(!b.isEmpty)
        #expect(b.count == 3)
        #expect(!Batch(deadLetters: [letter("x")]).isEmpty)
    }
}
