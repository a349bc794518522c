import Testing
@testable import IngestCore

/// Bytes that are not UTF-8 are refused with the field that holds them, in every family,
/// from the payload and from the topic: never replaced by U+FFFD, so two names that differ
/// only in such bytes cannot become one.
@Suite struct InvalidUTF8Tests {
    static let now = Fixture.t0
    static let nowMs = now.microseconds / 1_000

    /// Per family: a route whose topic names the device, one whose payload does, and a
    /// payload with `@` where the device's name goes.
    struct Case: Sendable, CustomStringConvertible {
        var family: Family
        var topicWithIdentity: String   // `@` where the identity level goes
        var topicWithout: String
        var payload: String             // `@` where the identity goes, `%` where other strings go
        var description: String { family.rawValue }
    }

    static let cases: [Case] = [
        Case(family: .sensor, topicWithIdentity: "p/s1/l1/sensor/@/temp", topicWithout: "q/s1/l1/sensor/temp",
             payload: #"{"device": "@", "value": 1, "unit": "%"}"#),
        Case(family: .battery, topicWithIdentity: "p/s1/battery/@/telemetry", topicWithout: "q/s1/battery",
             payload: #"{"battery": "@", "soc": 50, "note": "%"}"#),
        Case(family: .equipmentState, topicWithIdentity: "p/s1/l1/equipment/@/state", topicWithout: "q/s1/l1/equipment",
             payload: #"{"equipment": "@", "state": "green", "source": "%", "changed_at": \#(nowMs)}"#),
        Case(family: .machineEvent, topicWithIdentity: "p/s1/l1/machine/@/events", topicWithout: "q/s1/l1/machine",
             payload: #"{"machine": "@", "event_id": "%", "event_time": \#(nowMs), "duration_ms": 10}"#),
    ]

    let processor = MessageProcessor(routes: [
        Route(pattern: try! TopicPattern("p/{site}/{line}/sensor/{device}/{metric}"), family: .sensor, format: .json),
        Route(pattern: try! TopicPattern("p/{site}/battery/{battery}/telemetry"), family: .battery, format: .json),
        Route(pattern: try! TopicPattern("p/{site}/{line}/equipment/{equipment}/state"), family: .equipmentState, format: .json),
        Route(pattern: try! TopicPattern("p/{site}/{line}/machine/{machine}/events"), family: .machineEvent, format: .json),
        Route(pattern: try! TopicPattern("q/{site}/{line}/sensor/{metric}"), family: .sensor, format: .json),
        Route(pattern: try! TopicPattern("q/{site}/battery"), family: .battery, format: .json),
        Route(pattern: try! TopicPattern("q/{site}/{line}/equipment"), family: .equipmentState, format: .json),
        Route(pattern: try! TopicPattern("q/{site}/{line}/machine"), family: .machineEvent, format: .json),
    ], limits: Limits())

    /// `text` with `bytes` in place of `marker`, and "x" in place of the other marker.
    static func fill(_ text: String, _ marker: UInt8, with bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for b in text.utf8 {
            if b == marker { out += bytes } else if b == UInt8(ascii: "@") || b == UInt8(ascii: "%") { out.append(UInt8(ascii: "x")) } else { out.append(b) }
        }
        return out
    }

    func process(topic: String, payload: [UInt8]) -> MessageProcessor.Result {
        processor.process(InboundMessage(topic: topic, payload: payload, receivedAt: Self.now), now: Self.now)
    }

    @Test(arguments: cases)
    func validNamesAreAcceptedFromPayloadAndTopic(_ c: Case) {
        let name = Array("dé-😀".utf8)
        let fromPayload = process(topic: c.topicWithout, payload: Self.fill(c.payload, UInt8(ascii: "@"), with: name))
        #expect(fromPayload.records.count == 1, "\(fromPayload.rejections)")
        let topic = String(decoding: Self.fill(c.topicWithIdentity, UInt8(ascii: "@"), with: name), as: UTF8.self)
        let fromTopic = process(topic: topic, payload: Self.fill(c.payload, UInt8(ascii: "@"), with: name))
        #expect(fromTopic.records.count == 1, "\(fromTopic.rejections)")
    }

    @Test(arguments: cases)
    func twoPayloadNamesDifferingOnlyInInvalidBytesAreBothRefusedNamingTheField(_ c: Case) {
        let identity = c.family.identityField
        for bad: [UInt8] in [[0x64, 0xFF], [0x64, 0xFE]] {
            let r = process(topic: c.topicWithout, payload: Self.fill(c.payload, UInt8(ascii: "@"), with: bad))
            #expect(r.records.isEmpty)
            #expect(r.deadLetter?.reasonCode == "invalid_utf8")
            #expect(r.rejections.first == .invalidUTF8(field: identity, offset: Array(c.payload.utf8).firstIndex(of: UInt8(ascii: "@"))! + 1))
            #expect(r.deadLetter?.reason.contains("field '\(identity)' is not valid UTF-8") == true, "\(r.deadLetter?.reason ?? "")")
        }
    }

    @Test(arguments: cases)
    func invalidBytesInAnotherStringFieldAreRefusedNamingIt(_ c: Case) {
        let r = process(topic: c.topicWithout, payload: Self.fill(c.payload, UInt8(ascii: "%"), with: [0xC3, 0x28]))
        #expect(r.records.isEmpty)
        #expect(r.deadLetter?.reasonCode == "invalid_utf8")
        guard case .invalidUTF8(let field, _)? = r.rejections.first else {
            Issue.record("not invalid_utf8: \(r.rejections)")
            return
        }
        #expect(field != c.family.identityField && !field.isEmpty)
    }

    /// Ingress decodes topics with U+FFFD in place of bytes that are not UTF-8 (as
    /// MemoryInbox and the journal's replay do): two devices whose topic levels differ only in
    /// those bytes arrive with the same level, and both are refused.
    @Test(arguments: cases)
    func twoTopicLevelsDifferingOnlyInInvalidBytesAreBothRefused(_ c: Case) {
        var topics: Set<String> = []
        for bad: [UInt8] in [[0x64, 0xFF], [0x64, 0xFE]] {
            let topic = String(decoding: Self.fill(c.topicWithIdentity, UInt8(ascii: "@"), with: bad), as: UTF8.self)
            topics.insert(topic)
            let r = process(topic: topic, payload: Self.fill(c.payload, 0, with: []).withoutIdentityMember(c.family.identityField))
            #expect(r.records.isEmpty)
            #expect(r.rejections == [.invalidUTF8InTopic(field: c.family.identityField)])
            #expect(r.deadLetter?.reasonCode == "invalid_utf8")
        }
        #expect(topics.count == 1, "the repair made them one topic: why they must be refused")
    }

    @Test func aReplacementCharacterInAPayloadIsAValidCharacter() {
        let r = process(topic: "q/s1/l1/sensor/temp", payload: Array(#"{"device": "d\uFFFD", "value": 1}"#.utf8))
        #expect(r.records.count == 1)
        let raw = process(topic: "q/s1/l1/sensor/temp", payload: [UInt8](#"{"device": "d"#.utf8) + [0xEF, 0xBF, 0xBD] + Array(#"", "value": 1}"#.utf8))
        #expect(raw.records.count == 1)
    }

    @Test func replacedFieldNamesTheFirstFieldHoldingAReplacementCharacter() {
        let fields = TopicFields(identity: "d1", metric: "t\u{FFFD}")
        #expect(fields.replacedField(identityName: "device") == "metric")
        #expect(TopicFields(identity: "d1", site: "s").replacedField(identityName: "device") == nil)
    }
}

private extension Array where Element == UInt8 {
    /// The payload without its identity member, so the topic's level alone names the device.
    func withoutIdentityMember(_ name: String) -> [UInt8] {
        let text = String(decoding: self, as: UTF8.self)
        return Array(text.replacing(#""\#(name)": "x", "#, with: "").utf8)
    }
}
