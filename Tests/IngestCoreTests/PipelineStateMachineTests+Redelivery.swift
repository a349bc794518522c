import Testing
@testable import IngestCore

/// A message the broker delivers again (a lost PUBACK, a publisher's QoS 1 resend) arrives
/// with a new receipt time: when it already became a dead letter, its repeat is a duplicate
/// and no second dead letter is stored.
extension PipelineStateMachineTests {
    func deadLetters(_ actions: [PipelineAction]) -> [DeadLetter] {
        actions.compactMap { if case .deadLetter(let d) = $0 { d } else { nil } }
    }

    @Test func anExactRepeatOfAMalformedMessageIsADuplicateWithoutASecondDeadLetter() throws {
        var p = machine()
        let first = receive(message(#"{"value": "hot"}"#, sequence: 1), into: &p)
        #expect(deadLetters(first).count == 1)
        let repeated = receive(message(#"{"value": "hot"}"#, after: 30, sequence: 2), into: &p)
        #expect(repeated == [.counted(family: "sensor", fate: .duplicate, count: 1)])
        #expect(p.pendingCount == 1, "the repeat adds no entry to the batch")
        let batch = try flushed(shutdown(&p))
        #expect(batch.deadLetters.count == 1)
        #expect(batch.lastSequence == 2, "the repeat's fate is settled by the batch too")
    }

    @Test func aRepeatedMessageOnNoRouteIsAnUnroutedDuplicate() throws {
        var p = machine()
        _ = receive(message("21.5", topic: "elsewhere/d1"), into: &p)
        #expect(receive(message("21.5", topic: "elsewhere/d1", after: 1), into: &p)
                == [.counted(family: "unrouted", fate: .duplicate, count: 1)])
        #expect(try flushed(shutdown(&p)).deadLetters.count == 1)
    }

    @Test func theSamePayloadOnAnotherTopicOrOtherBytesOnTheSameTopicIsANewDeadLetter() throws {
        var p = machine()
        _ = receive(message(#"{"value": "hot"}"#), into: &p)
        let otherTopic = receive(message(#"{"value": "hot"}"#, topic: "plant/s1/l1/sensor/d2/temp"), into: &p)
        let otherBytes = receive(message(#"{"value":"hot"}"#), into: &p)
        #expect(deadLetters(otherTopic).count == 1)
        #expect(deadLetters(otherBytes).count == 1)
        #expect(try flushed(shutdown(&p)).deadLetters.count == 3)
    }

    @Test func aRepeatOfAnArrayWhoseEveryRecordWasRejectedCountsEachRecordAsADuplicate() throws {
        var p = machine()
        let payload = #"[{"ts": "\#(Self.ts)", "value": "x"}, {"ts": "\#(Self.ts)", "metric": "c"}]"#
        let first = receive(message(payload), into: &p)
        #expect(first.filter { if case .counted(_, .rejected, _) = $0 { true } else { false } }.count == 2)
        #expect(receive(message(payload, after: 2), into: &p) == [.counted(family: "sensor", fate: .duplicate, count: 2)])
        #expect(try flushed(shutdown(&p)).deadLetters.count == 1)
    }

    /// A dead letter beside kept records is not a whole dead letter: the window does not hold
    /// it, and its records meet the dedup window of their family as usual.
    @Test func aRepeatOfAMessageWithGoodAndBadRecordsIsDeduplicatedByRecordAndDeadLetteredAgain() throws {
        var p = machine()
        let payload = #"[{"ts": "\#(Self.ts)", "value": 1}, {"ts": "\#(Self.ts)", "value": "x", "metric": "b"}]"#
        _ = receive(message(payload), into: &p)
        let repeated = receive(message(payload, after: 2), into: &p)
        #expect(repeated.first == .counted(family: "sensor", fate: .duplicate, count: 1))
        #expect(repeated.contains(.counted(family: "sensor", fate: .rejected("wrong_type"), count: 1)))
        #expect(deadLetters(repeated).count == 1)
    }

    @Test func aRepeatAfterTheWindowForgotTheMessageIsADeadLetterAgain() throws {
        var p = PipelineStateMachine(routes: IngestConfig.defaultRoutes, settings: FamilySettings(), dedupCapacity: 100,
                                     batchSize: 100, batchMaxAge: .seconds(1), redeliveryWindow: 1)
        _ = receive(message(#"{"value": "hot"}"#), into: &p)
        _ = receive(message(#"{"value": "cold"}"#), into: &p)
        #expect(deadLetters(receive(message(#"{"value": "hot"}"#, after: 1), into: &p)).count == 1)
        #expect(try flushed(shutdown(&p)).deadLetters.count == 3)
    }

    @Test func aRepeatedDeadLetterDoesNotFillTheBatch() throws {
        var p = machine(batchSize: 2)
        #expect(receive(message(#"{"value": "hot"}"#), into: &p).count == 2)
        let repeated = receive(message(#"{"value": "hot"}"#, after: 1), into: &p)
        #expect(!repeated.contains { if case .flush = $0 { true } else { false } }, "one entry: no flush at 2")
        #expect(p.pendingCount == 1)
    }
}
