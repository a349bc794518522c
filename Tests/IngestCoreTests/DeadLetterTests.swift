import Testing
@testable import IngestCore

/// A dead letter's key is its identity in the database: the same message's dead letter,
/// written again after a replay, must have the same key in every process and every version.
@Suite struct DeadLetterTests {
    static let t0 = Fixture.t0

    func letter(topic: String = "plant/s1/l1/sensor/d1/temp", code: String = "malformed_json", reason: String = "bad",
                payload: String = "{\"value\":", receivedAt: Timestamp = t0, family: String = "sensor",
                sequence: UInt64 = 1) -> DeadLetter {
        DeadLetter(topic: topic, family: family, reasonCode: code, reason: reason, payload: Array(payload.utf8),
                   bound: 4096, receivedAt: receivedAt, sequence: sequence)
    }

    /// Pinned: a change here would store every replayed dead letter a second time after an upgrade.
    @Test func theKeyIsTheSameInEveryProcess() {
        // Cross-checked with an independent FNV-1a 64 over the same bytes (Python).
        #expect(letter().key == 8_682_599_345_430_418_570)
    }

    @Test func theKeyFollowsTimeTopicReasonCodeAndPayload() {
        let key = letter().key
        #expect(letter(receivedAt: Self.t0 + 1).key != key)
        #expect(letter(topic: "plant/s1/l1/sensor/d2/temp").key != key)
        #expect(letter(code: "wrong_type").key != key)
        #expect(letter(payload: "{\"value\":1").key != key)
    }

    @Test func theKeyIgnoresTheReasonTextFamilyAndSequence() {
        let key = letter().key
        #expect(letter(reason: "another wording").key == key)
        #expect(letter(family: "unrouted").key == key)
        #expect(letter(sequence: 99).key == key, "a replay numbers its messages anew")
    }

    @Test func withoutPayloadKeepsTopicTimeAndSizeAndNamesTheRefusal() {
        let original = letter(payload: "{\"value\":\u{0}}")
        let stripped = original.withoutPayload(refusedBecause: "invalid byte sequence")
        #expect(stripped.payload.isEmpty)
        #expect(stripped.payloadSize == original.payloadSize)
        #expect(stripped.topic == original.topic && stripped.receivedAt == original.receivedAt)
        #expect(stripped.reason == "the database refused this dead letter (invalid byte sequence); its reason was: bad")
        #expect(stripped.key != original.key)
        #expect(stripped.key == original.withoutPayload(refusedBecause: "other").key, "stripped twice, stored once")
    }
}
