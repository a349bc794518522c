import Testing
@testable import IngestCore

@Suite struct OutboundTopicsTests {
    let topics = OutboundTopics(prefix: "ingestd/")

    @Test func statusIsRetainedUnderThePrefix() throws {
        let m = topics.status("offline", version: "0.3", clientID: "plant-a", at: Fixture.t0)
        #expect(m.topic == "ingestd/status")
        #expect(m.retain && m.qos == 1)
        #expect(String(decoding: m.payload, as: UTF8.self)
            == #"{"state":"offline","version":"0.3","client_id":"plant-a","at":"2026-11-23T08:00:00.000000Z"}"#)
    }

    @Test func deadLettersGoUnderTheirFamilyNotRetained() {
        let letter = DeadLetter(topic: "x/y", family: "machine_event", reasonCode: "out_of_range", reason: "r",
                                payload: [], bound: 0, receivedAt: Fixture.t0)
        let m = topics.deadLetter(letter)
        #expect(m.topic == "ingestd/deadletter/machine_event")
        #expect(!m.retain && m.qos == 1)
        #expect(String(decoding: m.payload, as: UTF8.self) == letter.json)
    }

    @Test func currentStateIsRetainedUnderSiteLineAndEquipment() {
        let change = EquipmentStateChange(equipment: "press-1", changedAt: Fixture.t0, source: "t", state: "red",
                                          site: "s1", line: "l1", receivedAt: Fixture.t0)
        let m = topics.currentState(change)
        #expect(m.topic == "ingestd/state/s1/l1/press-1")
        #expect(m.retain)
        #expect(String(decoding: m.payload, as: UTF8.self) == change.json)
    }

    /// A level holding '/', '+' or '#' would change the topic's shape; a missing or empty one
    /// would leave a hole.
    @Test func levelsAreMadeSafe() {
        let change = EquipmentStateChange(equipment: "a/b+c#", changedAt: Fixture.t0, source: "t", state: "red",
                                          site: nil, line: "", receivedAt: Fixture.t0)
        #expect(topics.currentState(change).topic == "ingestd/state/_/_/a_b_c_")
        let letter = DeadLetter(topic: "t", family: "un/routed", reasonCode: "x", reason: "x", payload: [], bound: 0,
                                receivedAt: Fixture.t0)
        #expect(topics.deadLetter(letter).topic == "ingestd/deadletter/un_routed")
    }

    @Test func anEmptyPrefixPublishesAtTheTop() {
        #expect(OutboundTopics(prefix: "").status == "status")
    }
}
