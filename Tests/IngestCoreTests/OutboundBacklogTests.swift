import Testing
@testable import IngestCore

/// The bound on outgoing messages the broker has not taken: drops counted by kind, retained
/// ones owed (their latest) and handed back when there is room or the broker is back.
@Suite struct OutboundBacklogTests {
    let topics = OutboundTopics(prefix: "ingestd/")

    func agg(_ i: Int) -> OutboundMessage { OutboundMessage(topic: "ingestd/agg/10s/s1/dev\(i)/t", payload: "{}") }
    func state(_ equipment: String, _ colour: String) -> OutboundMessage {
        OutboundMessage(topic: "ingestd/state/s1/l1/\(equipment)", payload: colour, retain: true)
    }
    func payloads(_ messages: [OutboundMessage]) -> [String] { messages.map { String(decoding: $0.payload, as: UTF8.self) } }

    @Test("within the capacity everything goes; past it a message is dropped and counted by kind")
    func dropsPastTheCapacity() {
        var backlog = OutboundBacklog(capacity: 3, prefix: "ingestd/")
        let sent = [(agg(1), 0), (agg(2), 2), (agg(3), 3), (OutboundMessage(topic: "ingestd/deadletter/sensor", payload: "{}"), 4), (agg(4), 2)]
            .map { backlog.offered($0.0, outstanding: $0.1) }
        #expect(sent == [true, true, false, false, true], "dropped at the capacity, room again below it")
        #expect(backlog.dropped == ["agg": 1, "deadletter": 1])
        #expect(backlog.droppedCount == 2)
        #expect(backlog.owedCount == 0, "nothing retained was dropped")
    }

    @Test("a dropped retained message is owed, its latest version, and handed back once at half the capacity")
    func retainedMessagesAreOwed() {
        var backlog = OutboundBacklog(capacity: 4, prefix: "ingestd/")
        let sent = [(state("press1", "yellow"), 4), (state("press1", "red"), 5), (state("press2", "green"), 5)]
            .map { backlog.offered($0.0, outstanding: $0.1) }
        #expect(sent == [false, false, false])
        #expect(backlog.owedCount == 2)
        let early = backlog.owedMessages(outstanding: 3)
        #expect(early.isEmpty, "above half the capacity")
        let owed = backlog.owedMessages(outstanding: 2)
        #expect(owed.map(\.topic) == ["ingestd/state/s1/l1/press1", "ingestd/state/s1/l1/press2"])
        #expect(payloads(owed) == ["red", "green"], "the latest of each")
        let again = backlog.owedMessages(outstanding: 0)
        #expect(again.isEmpty, "handed back once")
        #expect(backlog.dropped == ["state": 3])
    }

    @Test("a newer retained message that gets through settles what its topic owed")
    func aNewerMessageSettlesTheDebt() {
        var backlog = OutboundBacklog(capacity: 2, prefix: "ingestd/")
        let sent = [(state("press1", "red"), 2), (state("press2", "red"), 2), (state("press1", "green"), 1)]
            .map { backlog.offered($0.0, outstanding: $0.1) }
        #expect(sent == [false, false, true])
        let owed = backlog.reconnected()
        #expect(owed.map(\.topic) == ["ingestd/state/s1/l1/press2"])
        let again = backlog.reconnected()
        #expect(again.isEmpty)
    }

    @Test("an open alert's retained message is owed like a state; its change event is only counted")
    func alertsAreOwed() {
        var backlog = OutboundBacklog(capacity: 1, prefix: "ingestd/")
        let alert = Alert(rule: "offline", kind: "stale", severity: .warning, family: .sensor, site: "s1", device: "dev1",
                          metric: "", value: 60, threshold: 60, raisedAt: Fixture.t0, detail: "")
        let sent = topics.alert(AlertEvent(alert)).map { backlog.offered($0, outstanding: 1) }
        #expect(sent == [false, false])
        #expect(backlog.dropped == ["alerts": 2])
        let owed = backlog.reconnected()
        #expect(owed.count == 1 && owed[0].retain && owed[0].topic.hasPrefix("ingestd/alerts/active/"))
    }

    @Test("the status is never owed, and at most `capacity` topics are")
    func theDebtIsBounded() {
        var backlog = OutboundBacklog(capacity: 2, prefix: "ingestd/")
        let messages = [OutboundMessage(topic: "ingestd/status", payload: "{}", retain: true)] + (0..<5).map { state("e\($0)", "red") }
            + [state("e0", "green")]
        let sent = messages.map { backlog.offered($0, outstanding: 9) }
        #expect(sent == Array(repeating: false, count: 7))
        #expect(backlog.owedCount == 2)
        #expect(backlog.retainedLost == 3, "e2, e3, e4; e0 was owed already and is updated")
        let owed = backlog.reconnected()
        #expect(payloads(owed) == ["green", "red"])
    }
}
