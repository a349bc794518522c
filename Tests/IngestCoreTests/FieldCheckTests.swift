import Testing
@testable import IngestCore

/// The checks every family's string fields go through: control characters anywhere, MQTT
/// wildcards and separators in fields that become topic levels; reasons that quote values
/// stay short and printable.
@Suite struct FieldCheckTests {
    let limits = Limits()

    @Test(arguments: [UInt8](0x01..<0x20) + [0x7F])
    func refusesAControlCharacterInAnyField(byte: UInt8) {
        let value = "a" + String(Character(Unicode.Scalar(byte))) + "b"
        #expect(FieldCheck.text("worker", value, required: false, limits: limits) == .controlCharacter(field: "worker", byte: byte))
        #expect(FieldCheck.text("device", value, required: true, topicLevel: true, limits: limits)?.code == "control_character")
    }

    @Test func nulKeepsItsOwnReason() {
        #expect(FieldCheck.text("unit", "a\u{0}", required: false, limits: limits) == .nulCharacter(field: "unit"))
    }

    @Test(arguments: ["/", "+", "#"])
    func refusesWildcardsAndSeparatorsOnlyInTopicLevelFields(character: String) {
        let value = "a\(character)b"
        #expect(FieldCheck.text("metric", value, required: true, topicLevel: true, limits: limits)
                == .wildcardCharacter(field: "metric", character: Character(character)))
        #expect(FieldCheck.text("unit", value, required: false, limits: limits) == nil)
    }

    @Test func acceptsOrdinaryNamesWithSpacesAndNonASCIILetters() {
        for value in ["press 7", "Kühlung-2", "温度", "a.b_c-d:e"] {
            #expect(FieldCheck.text("device", value, required: true, topicLevel: true, limits: limits) == nil)
        }
    }

    @Test func eachFamilyRefusesWildcardsInItsIdentityMetricSiteAndLine() {
        let t = Fixture.t0
        #expect(SensorValidator(limits: limits).validate(SensorReading(ts: t, device: "a/b", metric: "m", value: 1, receivedAt: t), now: t)?.code
                == "wildcard_character")
        #expect(SensorValidator(limits: limits).validate(SensorReading(ts: t, device: "d", metric: "m", value: 1, unit: "m/s", receivedAt: t), now: t)
                == nil)
        #expect(BatteryDecoder(limits: limits).validate(BatteryReading(ts: t, battery: "b#", soc: 50, receivedAt: t), now: t)?.code
                == "wildcard_character")
        #expect(EquipmentStateDecoder(limits: limits).validate(Fixture.stateChange("press+1"), now: t)?.code == "wildcard_character")
        #expect(EquipmentStateDecoder(limits: limits).validate(Fixture.stateChange("press1", source: "tab/1"), now: t) == nil)
        var event = Fixture.event("e1")
        event.line = "l/2"
        #expect(MachineEventDecoder(limits: limits).validate(event, now: t)?.code == "wildcard_character")
        #expect(MachineEventDecoder(limits: limits).validate(Fixture.event("e/1"), now: t) == nil)
    }

    @Test func reasonsQuoteAtMost64CharactersWithControlCharactersEscaped() {
        let long = String(repeating: "x", count: 60_000)
        let reason = RejectReason.identityMismatch(field: "device", payload: long, topic: "d1")
        #expect(reason.description.utf8.count < 200)
        #expect(reason.description.contains(String(repeating: "x", count: 64) + "…"))
        #expect(RejectReason.badTimestamp("\u{1B}[2J").description == #"timestamp '\u{1B}[2J' is neither RFC 3339 nor epoch seconds/milliseconds"#)
        #expect(RejectReason.unknownState("red", known: ["green"]).description == "state 'red' is not one of green")
    }
}
