import Testing
@testable import IngestCore

@Suite struct MessageProcessorTests {
    static let now = Timestamp(rfc3339: "2026-11-23T08:00:00Z")!
    static let topic = "plant/s1/l1/sensor/d1/temp"
    /// One hour ahead of `now`: beyond the default 900 s.
    static let future = "2026-11-23T09:00:00Z"

    static func routes() throws -> [Route] {
        [
            Route(pattern: try TopicPattern("plant/{site}/{line}/sensor/{device}/{metric}"), family: .sensor, format: .json),
            Route(pattern: try TopicPattern("raw/{device}/{metric}"), family: .sensor, format: .number),
        ]
    }

    func processor(_ limits: Limits = Limits()) throws -> MessageProcessor {
        MessageProcessor(routes: try Self.routes(), limits: limits)
    }

    func message(_ payload: String, topic: String = topic) -> InboundMessage {
        InboundMessage(topic: topic, payload: Array(payload.utf8), receivedAt: Self.now)
    }

    func reading(_ value: Double, device: String = "d1", metric: String = "temp") -> SensorReading {
        SensorReading(ts: Self.now, device: device, metric: metric, value: value, site: "s1", line: "l1",
                      receivedAt: Self.now)
    }

    @Test func validMessageYieldsReadingsAndNoDeadLetter() throws {
        let r = try processor().process(message(#"[{"value": 1}, {"values": {"hum": 2}}]"#), now: Self.now)
        #expect(r.readings == [reading(1), reading(2, metric: "hum")])
        #expect(r.rejections.isEmpty)
        #expect(r.deadLetter == nil)
    }

    @Test func routeFormatIsUsedForDecoding() throws {
        let r = try processor().process(message("21.5\n", topic: "raw/d2/hum"), now: Self.now)
        #expect(r.readings == [SensorReading(ts: Self.now, device: "d2", metric: "hum", value: 21.5, receivedAt: Self.now)])
        #expect(r.deadLetter == nil)
    }

    @Test func messageOnNoRouteIsAnUnroutedDeadLetter() throws {
        let payload = #"{"value": 1}"#
        let r = try processor().process(message(payload, topic: "elsewhere/d1/temp"), now: Self.now)
        #expect(r.readings.isEmpty)
        #expect(r.rejections == [.noRoute])
        let letter = try #require(r.deadLetter)
        #expect(letter == DeadLetter(topic: "elsewhere/d1/temp", family: "unrouted", reasonCode: "no_route",
                                     reason: "no route matches the topic", payload: Array(payload.utf8),
                                     payloadSize: payload.utf8.count, receivedAt: Self.now))
    }

    @Test func malformedPayloadIsOneDeadLetterWithThePayloadCutToTheLimit() throws {
        var limits = Limits()
        limits.deadLetterPayloadBytes = 8
        let payload = #"{"device": "d1", "value": "#
        let r = try processor(limits).process(message(payload), now: Self.now)
        #expect(r.readings.isEmpty)
        #expect(r.rejections == [.malformedJSON(.unexpectedEnd)])
        let letter = try #require(r.deadLetter)
        #expect(letter.topic == Self.topic)
        #expect(letter.family == "sensor")
        #expect(letter.reasonCode == "malformed_json")
        #expect(letter.reason == "malformed JSON: unexpected end of input")
        #expect(letter.payload == Array(payload.utf8.prefix(8)))
        #expect(letter.payload.count == 8)
        #expect(letter.payloadSize == payload.utf8.count)
        #expect(letter.receivedAt == Self.now)
    }

    @Test func deadLetterKeepsAShortPayloadWholeAndNoneWithABoundOfZero() throws {
        let r = try processor().process(message("nope"), now: Self.now)
        #expect(r.deadLetter?.payload == Array("nope".utf8))
        #expect(r.deadLetter?.payloadSize == 4)
        var limits = Limits()
        limits.deadLetterPayloadBytes = 0
        let cut = try processor(limits).process(message("nope"), now: Self.now)
        #expect(cut.deadLetter?.payload == [])
        #expect(cut.deadLetter?.payloadSize == 4)
    }

    @Test func oversizedPayloadIsADeadLetterWithItsFullSize() throws {
        var limits = Limits()
        limits.maxPayloadBytes = 16
        limits.deadLetterPayloadBytes = 4
        let payload = String(repeating: "1", count: 40)
        let r = try processor(limits).process(message(payload), now: Self.now)
        #expect(r.deadLetter?.reasonCode == "payload_too_large")
        #expect(r.deadLetter?.reason == "payload of 40 bytes is larger than the limit of 16")
        #expect(r.deadLetter?.payload == Array("1111".utf8))
        #expect(r.deadLetter?.payloadSize == 40)
    }

    @Test func batchWithInvalidRecordsKeepsValidReadingsAndNamesTheFirstBadRecordAndTheCount() throws {
        let payload = #"[{"value": 1}, {"value": "x"}, {"value": 3, "ts": "\#(Self.future)"}, {"value": 4}]"#
        let r = try processor().process(message(payload), now: Self.now)
        #expect(r.readings == [reading(1), reading(4)])
        #expect(r.rejections.count == 2)
        let letter = try #require(r.deadLetter)
        #expect(letter.reasonCode == "wrong_type")
        #expect(letter.reason == "record 1: field 'value' must be a number, got a string (2 of 4 records rejected)")
        #expect(letter.payload == Array(payload.utf8))
        #expect(letter.payloadSize == payload.utf8.count)
    }

    @Test func firstBadRecordIsNamedByPositionWhicheverStageRejectedIt() throws {
        // Record 0 fails validation, record 1 fails decoding: record 0 is named.
        let payload = #"[{"value": 1, "ts": "\#(Self.future)"}, {"value": "x"}, {"value": 2}]"#
        let r = try processor().process(message(payload), now: Self.now)
        #expect(r.readings == [reading(2)])
        #expect(r.deadLetter?.reasonCode == "ts_in_future")
        #expect(r.deadLetter?.reason
            == "record 0: timestamp 2026-11-23T09:00:00.000000Z is more than 900 s in the future (2 of 3 records rejected)")
    }

    @Test func singleBadRecordOfABatchIsNamedWithoutACount() throws {
        let r = try processor().process(message(#"[{"value": 1}, {"value": 2}, {"unit": "C"}]"#), now: Self.now)
        #expect(r.readings == [reading(1), reading(2)])
        #expect(r.rejections == [.missingField("value")])
        #expect(r.deadLetter?.reason == "record 2: missing field 'value' (neither in the payload nor in the topic)")
    }

    @Test func rejectedSingleObjectIsNotNamedAsARecord() throws {
        let r = try processor().process(message(#"{"value": 1, "ts": "\#(Self.future)"}"#), now: Self.now)
        #expect(r.readings.isEmpty)
        #expect(r.rejections.count == 1)
        #expect(r.deadLetter?.reason == "timestamp 2026-11-23T09:00:00.000000Z is more than 900 s in the future")
    }

    @Test func validationUsesTheGivenNow() throws {
        // No ts in the payload: the reading is stamped with the time of receipt, which is
        // eight days before the processing time.
        let r = try processor().process(message(#"{"value": 1}"#), now: Self.now + 8 * 86_400)
        #expect(r.readings.isEmpty)
        #expect(r.deadLetter?.reasonCode == "ts_too_old")
    }

    // MARK: Records with `values` (one record, several readings)

    @Test func badRecordAfterAValuesRecordIsNamedByItsRecordIndex() throws {
        // Record 0 expands to three readings; record 1 is the bad one.
        let payload = #"[{"values": {"a": 1, "b": 2, "c": 3}}, {"value": 4, "ts": "\#(Self.future)"}]"#
        let r = try processor().process(message(payload), now: Self.now)
        #expect(r.readings.map(\.metric) == ["a", "b", "c"])
        #expect(r.deadLetter?.reason == "record 1: timestamp 2026-11-23T09:00:00.000000Z is more than 900 s in the future")
    }

    @Test func rejectedCountIsOutOfTheRecordsNotTheReadings() throws {
        // Three records; record 0 expands to two readings; records 1 and 2 are bad.
        let payload = #"[{"values": {"a": 1, "b": 2}}, {"value": "x"}, {"value": 4, "ts": "\#(Self.future)"}]"#
        let r = try processor().process(message(payload), now: Self.now)
        #expect(r.readings.map(\.metric) == ["a", "b"])
        #expect(r.deadLetter?.reason == "record 1: field 'value' must be a number, got a string (2 of 3 records rejected)")
    }

    // MARK: Identity

    @Test func payloadDeviceDisagreeingWithTheTopicIsAnIdentityMismatchDeadLetter() throws {
        let r = try processor().process(message(#"{"device": "d2", "value": 1}"#), now: Self.now)
        #expect(r.readings.isEmpty)
        #expect(r.rejections == [.identityMismatch(field: "device", payload: "d2", topic: "d1")])
        let letter = try #require(r.deadLetter)
        #expect(letter.reasonCode == "identity_mismatch")
        #expect(letter.family == "sensor")
    }

    // MARK: Families

    @Test func everyFamilyOfTheDefaultRoutesIsDecoded() throws {
        let p = MessageProcessor(routes: IngestConfig.defaultRoutes, settings: FamilySettings())
        let cases: [(String, String, Family)] = [
            ("plant/s1/l1/sensor/d1/temp", #"{"value": 1}"#, .sensor),
            ("plant/s1/battery/pack-7/telemetry", #"{"soc": 50, "mode": "eco"}"#, .battery),
            ("plant/s1/l1/equipment/press-1/state", #"{"state": "red", "changed_at": "2026-11-23T07:59:00Z", "source": "t"}"#,
             .equipmentState),
            ("plant/s1/l1/machine/cnc-4/events", #"{"event_id": "e1", "event_time": "2026-11-23T07:59:00Z", "duration_ms": 5}"#,
             .machineEvent),
        ]
        for (topic, payload, family) in cases {
            let r = p.process(message(payload, topic: topic), now: Self.now)
            #expect(r.family == family)
            #expect(r.records.count == 1, "\(family)")
            #expect(r.deadLetter == nil, "\(String(describing: r.deadLetter))")
        }
        let battery = p.process(message(#"{"soc": 50, "mode": "eco"}"#, topic: "plant/s1/battery/pack-7/telemetry"), now: Self.now)
        #expect(battery.records.first?.json.contains(#""extra":{"mode":"eco"}"#) == true)
        #expect(battery.readings.isEmpty, "readings are the sensor records only")
    }

    @Test func familySettingsApplyToTheProcessor() throws {
        var settings = FamilySettings()
        settings.battery.soc = 0...50
        let p = MessageProcessor(routes: IngestConfig.defaultRoutes, settings: settings)
        let r = p.process(message(#"{"soc": 60}"#, topic: "plant/s1/battery/pack-7/telemetry"), now: Self.now)
        #expect(r.records.isEmpty)
        #expect(r.deadLetter?.family == "battery")
        #expect(r.deadLetter?.reasonCode == "out_of_range")
    }

    @Test func theProcessorKeepsNothingBetweenMessages() throws {
        let p = try processor()
        let first = p.process(message(#"{"value": 1}"#), now: Self.now)
        let second = p.process(message(#"{"value": 1}"#), now: Self.now)
        #expect(first.readings == second.readings, "no deduplication: the same message gives the same readings")
        #expect(second.readings.count == 1)
    }

    @Test func unroutedMessageHasNoFamily() throws {
        #expect(try processor().process(message("1", topic: "nowhere"), now: Self.now).family == nil)
    }
}
