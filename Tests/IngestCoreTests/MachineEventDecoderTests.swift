import Testing
@testable import IngestCore

@Suite struct MachineEventDecoderTests {
    static let receivedAt = Fixture.t0
    static let eventTime = "2026-11-23T07:59:00Z"
    static let topic = TopicFields(identity: "cnc-4", site: "s1", line: "l1")

    func decode(_ payload: String, topic: TopicFields = topic) -> Result<Decoded<MachineEvent>, RejectReason> {
        MachineEventDecoder(limits: Limits())
            .decode(Array(payload.utf8), format: .json, fields: topic, receivedAt: Self.receivedAt, limits: Limits())
    }

    func output(_ payload: String, topic: TopicFields = topic,
                sourceLocation: SourceLocation = #_sourceLocation) throws -> Decoded<MachineEvent> {
        try decode(payload, topic: topic).output(sourceLocation: sourceLocation)
    }

    func event(_ payload: String, topic: TopicFields = topic,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> MachineEvent {
        try output(payload, topic: topic, sourceLocation: sourceLocation).onlyRecord(sourceLocation: sourceLocation)
    }

    func rejection(_ payload: String, topic: TopicFields = topic) throws -> RejectReason? {
        try output(payload, topic: topic).onlyRejection()
    }

    func validate(_ e: MachineEvent, settings: MachineEventSettings = MachineEventSettings()) -> RejectReason? {
        MachineEventDecoder(limits: Limits(), settings: settings).validate(e, now: Self.receivedAt)
    }

    func valid(durationMs: Int64 = 42_000, defects: Int64 = 0, eventTime: Timestamp = receivedAt) -> MachineEvent {
        MachineEvent(eventID: "ev-1", machine: "cnc-4", eventTime: eventTime, durationMs: durationMs, defectCount: defects,
                     receivedTime: Self.receivedAt, receivedAt: Self.receivedAt)
    }

    /// A payload of one event with `members` added.
    func payload(_ members: String = "") -> String {
        #"{"event_id": "ev-1", "event_time": "\#(Self.eventTime)", "duration_ms": 42000\#(members)}"#
    }

    // MARK: Decoding an object

    @Test func decodesEveryField() throws {
        let e = try event(payload(#", "defect_count": 2, "received_time": "2026-11-23T07:59:30Z""#))
        #expect(e == MachineEvent(eventID: "ev-1", machine: "cnc-4", site: "s1", line: "l1",
                                  eventTime: Timestamp(rfc3339: Self.eventTime)!, durationMs: 42_000, defectCount: 2,
                                  receivedTime: Timestamp(rfc3339: "2026-11-23T07:59:30Z")!, receivedAt: Self.receivedAt))
    }

    @Test func defectCountDefaultsToMinusOneForUnknown() throws {
        #expect(try event(payload()).defectCount == -1)
        #expect(try event(payload(#", "defect_count": null"#)).defectCount == -1)
        #expect(try event(payload(#", "defect_count": 0"#)).defectCount == 0)
    }

    @Test func receivedTimeDefaultsToTheReceipt() throws {
        #expect(try event(payload()).receivedTime == Self.receivedAt)
        #expect(try event(payload(#", "received_time": null"#)).receivedTime == Self.receivedAt)
    }

    @Test func eventIDMayBeAnInteger() throws {
        #expect(try event(#"{"event_id": 123456789, "event_time": "\#(Self.eventTime)", "duration_ms": 1}"#).eventID == "123456789")
        #expect(try event(#"{"event_id": 7.0, "event_time": "\#(Self.eventTime)", "duration_ms": 1}"#).eventID == "7")
    }

    @Test(arguments: [
        (#"{"event_id": 1.5, "event_time": "2026-11-23T07:59:00Z", "duration_ms": 1}"#,
         RejectReason.wrongType(field: "event_id", expected: "a string or an integer", got: "a number")),
        (#"{"event_id": true, "event_time": "2026-11-23T07:59:00Z", "duration_ms": 1}"#,
         RejectReason.wrongType(field: "event_id", expected: "a string or an integer", got: "a boolean")),
        (#"{"event_id": "e", "event_time": "2026-11-23T07:59:00Z", "duration_ms": 1.5}"#,
         RejectReason.wrongType(field: "duration_ms", expected: "an integer", got: "a number")),
        (#"{"event_id": "e", "event_time": "2026-11-23T07:59:00Z", "duration_ms": 1, "defect_count": "2"}"#,
         RejectReason.wrongType(field: "defect_count", expected: "an integer", got: "a string")),
        (#"{"event_id": "e", "event_time": "noon", "duration_ms": 1}"#, RejectReason.badTimestamp("noon")),
        (#"{"event_id": "e", "event_time": "2026-11-23T07:59:00Z", "duration_ms": 1, "received_time": {}}"#,
         RejectReason.wrongType(field: "received_time", expected: "an RFC 3339 string or epoch number", got: "an object")),
    ])
    func rejectsFieldsOfTheWrongType(payload: String, reason: RejectReason) throws {
        #expect(try rejection(payload) == reason)
    }

    @Test(arguments: [
        (#"{"event_time": "2026-11-23T07:59:00Z", "duration_ms": 1}"#, "event_id"),
        (#"{"event_id": "e", "duration_ms": 1}"#, "event_time"),
        (#"{"event_id": "e", "event_time": "2026-11-23T07:59:00Z"}"#, "duration_ms"),
    ])
    func reportsTheMissingField(payload: String, field: String) throws {
        #expect(try rejection(payload) == .missingField(field))
    }

    @Test(arguments: [("site", "s9", "s1"), ("line", "l9", "l1")])
    func aPayloadSiteOrLineDisagreeingWithTheTopicIsAnIdentityMismatch(field: String, value: String, topic: String) throws {
        let reason = try rejection(payload(#", "\#(field)": "\#(value)""#))
        #expect(reason == .identityMismatch(field: field, payload: value, topic: topic))
        #expect(reason?.code == "identity_mismatch")
        #expect(try event(payload(#", "\#(field)": "\#(topic)""#)) == event(payload()))
        #expect(try event(payload(#", "line": null"#)).line == "l1")
    }

    @Test func withoutSiteAndLineLevelsThePayloadNamesThem() throws {
        let e = try event(payload(#", "site": "s9", "line": "l9""#), topic: TopicFields(identity: "cnc-4"))
        #expect(e.site == "s9" && e.line == "l9")
    }

    // MARK: Identity

    @Test func theTopicsMachineLevelIsTheIdentity() throws {
        #expect(MachineEventDecoder.identityField == "machine")
        #expect(try event(payload(#", "machine": "cnc-4""#)).machine == "cnc-4")
    }

    @Test func aPayloadNamingAnotherMachineIsAnIdentityMismatch() throws {
        let reason = try rejection(payload(#", "machine": "cnc-5""#))
        #expect(reason == .identityMismatch(field: "machine", payload: "cnc-5", topic: "cnc-4"))
        #expect(reason?.code == "identity_mismatch")
    }

    @Test func withoutATopicLevelThePayloadNamesTheMachineOrItIsMissing() throws {
        #expect(try event(payload(#", "machine": "cnc-9""#), topic: TopicFields()).machine == "cnc-9")
        #expect(try rejection(payload(), topic: TopicFields()) == .missingField("machine"))
    }

    // MARK: received_time bounds

    /// A received_time orders an event's versions: one far in the future would make every
    /// later correction stale for good.
    @Test func aReceivedTimeAfterTheReceiptPlusMaxFutureIsRefused() throws {
        let reason = try rejection(payload(#", "received_time": "9999-12-31T23:59:59Z""#))
        #expect(reason == .receivedTimeOutOfBounds(Timestamp(rfc3339: "9999-12-31T23:59:59Z")!, bound: Self.receivedAt + 900,
                                                    limitSeconds: 900, early: false))
        #expect(reason?.code == "received_time_out_of_bounds")
        #expect(reason?.description.contains("validation.max_future") == true)
    }

    @Test func aReceivedTimeUpToMaxFutureAfterTheReceiptIsKept() throws {
        let edge = Self.receivedAt + 900
        #expect(try event(payload(#", "received_time": "\#(edge)""#)).receivedTime == edge)
        #expect(try rejection(payload(#", "received_time": "\#(edge + 1)""#))?.code == "received_time_out_of_bounds")
    }

    @Test func aReceivedTimeBeforeTheEventTimeMinusMaxAgeIsRefused() throws {
        let eventTime = Timestamp(rfc3339: Self.eventTime)!
        let earliest = eventTime - Limits().maxAgeSeconds
        #expect(try event(payload(#", "received_time": "\#(earliest)""#)).receivedTime == earliest)
        let reason = try rejection(payload(#", "received_time": "\#(earliest - 1)""#))
        #expect(reason == .receivedTimeOutOfBounds(earliest - 1, bound: earliest, limitSeconds: 604_800, early: true))
        #expect(reason?.description.contains("validation.max_age") == true)
    }

    @Test func theReceivedTimeBoundsFollowTheValidationLimits() throws {
        var limits = Limits()
        limits.maxFutureSeconds = 10
        let out = try MachineEventDecoder(limits: limits)
            .decode(Array(payload(#", "received_time": "\#(Self.receivedAt + 11)""#).utf8), format: .json, fields: Self.topic,
                    receivedAt: Self.receivedAt, limits: limits)
            .output()
        #expect(try out.onlyRejection()?.code == "received_time_out_of_bounds")
    }

    // MARK: Arrays: every event its own fate

    @Test func everyEventOfAnArrayGetsItsOwnFate() throws {
        let out = try output(#"""
            [{"event_id": "a", "event_time": "2026-11-23T07:59:00Z", "duration_ms": 1},
             {"event_id": "b", "event_time": "2026-11-23T07:59:00Z"},
             "not an event",
             {"event_id": "d", "event_time": "2026-11-23T07:59:00Z", "duration_ms": 4, "machine": "cnc-5"},
             {"event_id": 5, "event_time": "2026-11-23T07:59:00Z", "duration_ms": 5}]
            """#)
        #expect(out.records.map(\.eventID) == ["a", "5"])
        #expect(out.recordIndices == [0, 4])
        #expect(out.recordCount == 5)
        #expect(out.rejections.map(\.0) == [1, 2, 3])
        #expect(out.rejections.map(\.1.code) == ["missing_field", "not_an_object", "identity_mismatch"])
    }

    /// Through evaluation (decode and validate): the valid events stay, the dead letter names
    /// the first bad one and how many of the array were rejected.
    @Test func anArrayWithSomeInvalidEventsKeepsTheValidOnes() throws {
        let payload = #"""
            [{"event_id": "a", "event_time": "2026-11-23T07:59:00Z", "duration_ms": 1},
             {"event_id": "b", "event_time": "2026-11-23T07:59:00Z", "duration_ms": -5},
             {"event_id": "c", "event_time": "2026-11-23T09:00:00Z", "duration_ms": 3}]
            """#
        let message = InboundMessage(topic: "plant/s1/l1/machine/cnc-4/events", payload: Array(payload.utf8),
                                     receivedAt: Self.receivedAt, sequence: 3)
        let result = MachineEventDecoder(limits: Limits())
            .evaluate(message, format: .json, fields: Self.topic, now: Self.receivedAt, limits: Limits())
        #expect(result.records.map(\.eventID) == ["a"])
        #expect(result.rejections.map(\.code) == ["out_of_range", "ts_in_future"])
        let letter = try #require(result.deadLetter)
        #expect(letter.family == "machine_event")
        #expect(letter.reasonCode == "out_of_range")
        #expect(letter.reason.hasPrefix("record 1: field 'duration_ms' is -5"))
        #expect(letter.reason.hasSuffix("(2 of 3 records rejected)"))
        #expect(letter.sequence == 3)
    }

    // MARK: Validation

    @Test func acceptsAPlausibleEvent() {
        #expect(validate(valid()) == nil)
        #expect(validate(valid(defects: -1)) == nil)
        #expect(validate(valid(eventTime: Self.receivedAt - 30 * 86_400)) == nil, "an old event is kept: no age limit")
    }

    @Test func eventTimeMoreThanFifteenMinutesAheadIsRejected() {
        let ahead = Self.receivedAt + 901
        #expect(validate(valid(eventTime: ahead)) == .timestampInFuture(ahead, limitSeconds: 900))
        #expect(validate(valid(eventTime: Self.receivedAt + 900)) == nil)
    }

    @Test func durationBelowZeroIsRejected() {
        let reason = validate(valid(durationMs: -1))
        #expect(reason == .outOfRange(field: "duration_ms", value: -1, range: 0...21_600_000))
        #expect(reason?.code == "out_of_range")
        #expect(validate(valid(durationMs: 0)) == nil)
    }

    @Test func durationAboveSixHoursIsRejected() {
        #expect(validate(valid(durationMs: 6 * 3_600_000)) == nil)
        #expect(validate(valid(durationMs: 6 * 3_600_000 + 1))
            == .outOfRange(field: "duration_ms", value: 21_600_001, range: 0...21_600_000))
    }

    @Test func defectCountBelowMinusOneIsRejected() {
        #expect(validate(valid(defects: -2))?.code == "out_of_range")
    }

    /// `machine_events.defect_count` is an `integer` column: a larger count would pass here and
    /// then be refused by the database for its data instead of getting its reason.
    @Test func defectCountBeyondTheIntegerColumnIsRejectedAsOutOfRange() {
        #expect(validate(valid(defects: Int64(Int32.max))) == nil)
        #expect(validate(valid(defects: Int64(Int32.max) + 1))?.code == "out_of_range")
    }

    @Test func boundsAreConfigurable() {
        var settings = MachineEventSettings()
        settings.maxDurationMs = 60_000
        settings.maxFutureSeconds = 0
        #expect(validate(valid(durationMs: 60_001), settings: settings)?.code == "out_of_range")
        #expect(validate(valid(durationMs: 60_000), settings: settings) == nil)
        #expect(validate(valid(eventTime: Self.receivedAt + 1), settings: settings)?.code == "ts_in_future")
    }

    @Test func requiredStringsMayNotBeEmpty() {
        var e = valid()
        e.eventID = ""
        #expect(validate(e) == .emptyString(field: "event_id"))
        e = valid()
        e.machine = ""
        #expect(validate(e) == .emptyString(field: "machine"))
        e = valid()
        e.line = String(repeating: "x", count: 257)
        #expect(validate(e) == .stringTooLong(field: "line", length: 257, limit: 256))
    }

    @Test func aBareNumberIsNotAnEvent() {
        guard case .failure(let reason) = decode("1") else { Issue.record("accepted"); return }
        #expect(reason == .notAnObject(got: "a number"))
        #expect(!MachineEventDecoder.acceptsBareNumber)
    }
}
