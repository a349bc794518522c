import Testing
@testable import IngestCore

@Suite struct BatteryDecoderTests {
    static let receivedAt = Fixture.t0
    static let topic = TopicFields(identity: "pack-7", site: "s1")

    func decoder(_ ranges: BatteryRanges = BatteryRanges(), limits: Limits = Limits()) -> BatteryDecoder {
        BatteryDecoder(limits: limits, ranges: ranges)
    }

    func decode(_ payload: String, format: PayloadFormat = .json, topic: TopicFields = topic,
                limits: Limits = Limits()) -> Result<Decoded<BatteryReading>, RejectReason> {
        decoder(limits: limits).decode(Array(payload.utf8), format: format, fields: topic, receivedAt: Self.receivedAt,
                                       limits: limits)
    }

    /// The output of a payload that must decode as a whole.
    func output(_ payload: String, topic: TopicFields = topic,
                sourceLocation: SourceLocation = #_sourceLocation) throws -> Decoded<BatteryReading> {
        try decode(payload, topic: topic).output(sourceLocation: sourceLocation)
    }

    /// The one record of a payload that must decode without rejections.
    func record(_ payload: String, topic: TopicFields = topic,
                sourceLocation: SourceLocation = #_sourceLocation) throws -> BatteryReading {
        try output(payload, topic: topic, sourceLocation: sourceLocation).onlyRecord(sourceLocation: sourceLocation)
    }

    /// The one rejection of a single-record payload.
    func rejection(_ payload: String, topic: TopicFields = topic) throws -> RejectReason? {
        try output(payload, topic: topic).onlyRejection()
    }

    func validate(_ r: BatteryReading, ranges: BatteryRanges = BatteryRanges()) -> RejectReason? {
        decoder(ranges).validate(r, now: Self.receivedAt)
    }

    func reading(voltage: Double? = 48.2, current: Double? = nil, temperature: Double? = nil, soc: Double? = nil,
                 soh: Double? = nil, cycles: Int64? = nil) -> BatteryReading {
        BatteryReading(ts: Self.receivedAt, battery: "pack-7", voltage: voltage, current: current, temperature: temperature,
                       soc: soc, soh: soh, cycles: cycles, receivedAt: Self.receivedAt)
    }

    // MARK: Decoding

    @Test func decodesEveryKnownParameter() throws {
        let r = try record(#"""
            {"ts": "2026-11-23T07:59:00Z", "voltage": 48.2, "current": -3.5, "temperature": 31.25, "soc": 87.5,
             "soh": 96, "cycles": 412, "seq": 9}
            """#)
        #expect(r == BatteryReading(ts: Timestamp(rfc3339: "2026-11-23T07:59:00Z")!, battery: "pack-7", site: "s1",
                                    voltage: 48.2, current: -3.5, temperature: 31.25, soc: 87.5, soh: 96, cycles: 412,
                                    seq: 9, extra: nil, receivedAt: Self.receivedAt))
    }

    @Test func missingParametersStayNilAndMissingTimeIsTheReceipt() throws {
        let r = try record(#"{"soc": 50}"#)
        #expect(r.soc == 50)
        #expect(r.voltage == nil && r.current == nil && r.temperature == nil && r.soh == nil && r.cycles == nil)
        #expect(r.ts == Self.receivedAt)
        #expect(r.receivedAt == Self.receivedAt)
        #expect(try record(#"{"soc": 50, "ts": null}"#).ts == Self.receivedAt)
    }

    @Test(arguments: [
        (#"{"soc": 1, "ts": 1795421730123}"#, Int64(1_795_421_730_123_000)),
        (#"{"soc": 1, "time": "2026-11-23T08:15:30Z"}"#, Int64(1_795_421_730_000_000)),
        (#"{"soc": 1, "timestamp": 1795421730}"#, Int64(1_795_421_730_000_000)),
    ])
    func readsTheTimeFromTsTimeOrTimestamp(payload: String, micros: Int64) throws {
        #expect(try record(payload).ts.microseconds == micros)
    }

    @Test func extraMembersAreKeptAsJSONTextInArrivalOrder() throws {
        let r = try record(#"{"soc": 50, "cell_min_v": 3.21, "mode": "eco", "flags": [1, true, null], "bms": {"fw": "2.1"}}"#)
        #expect(r.extra == #"{"cell_min_v":3.21,"mode":"eco","flags":[1,true,null],"bms":{"fw":"2.1"}}"#)
        #expect(r.soc == 50)
        // The text is JSON that reads back as what was sent.
        let extra = try JSONParser().parse(Array(try #require(r.extra).utf8))
        #expect(extra["mode"] == .string("eco"))
        #expect(extra["bms"]?["fw"] == .string("2.1"))
    }

    @Test func withoutExtraMembersExtraIsNil() throws {
        #expect(try record(#"{"voltage": 48}"#).extra == nil)
    }

    @Test func aRecordOfExtraMembersOnlyIsKept() throws {
        #expect(try record(#"{"cell_delta_mv": 12}"#).extra == #"{"cell_delta_mv":12}"#)
    }

    @Test func aRecordWithNoParameterIsRejected() throws {
        let reason = try rejection(#"{"ts": "2026-11-23T07:59:00Z", "seq": 4}"#)
        #expect(reason == .missingField("voltage, current, temperature, soc, soh or cycles"))
        #expect(reason?.code == "missing_field")
        #expect(try rejection("{}")?.code == "missing_field")
    }

    /// The site the route captures is the topic's: a battery the ACL pins to site s1 cannot
    /// move its readings to s2.
    @Test func aPayloadSiteDisagreeingWithTheTopicIsAnIdentityMismatch() throws {
        let reason = try rejection(#"{"soc": 1, "site": "s2"}"#)
        #expect(reason == .identityMismatch(field: "site", payload: "s2", topic: "s1"))
        #expect(reason?.code == "identity_mismatch")
        #expect(try record(#"{"soc": 1, "site": "s1"}"#).site == "s1")
        #expect(try record(#"{"soc": 1, "site": null}"#).site == "s1")
    }

    @Test func withoutASiteLevelThePayloadNamesTheSite() throws {
        #expect(try record(#"{"soc": 1, "site": "s2"}"#, topic: TopicFields(identity: "pack-7")).site == "s2")
    }

    @Test func anArrayIsOneRecordPerElementEachWithItsOwnFate() throws {
        let out = try output(#"[{"soc": 1}, {"soc": "x"}, {"ts": 5}, 7, {"soc": 4}]"#)
        #expect(out.records.map(\.soc) == [1, 4])
        #expect(out.recordCount == 5)
        #expect(out.rejections.map(\.0) == [1, 2, 3])
        #expect(out.rejections.map(\.1.code) == ["wrong_type", "missing_field", "not_an_object"])
    }

    @Test(arguments: [
        (#"{"soc": "87"}"#, RejectReason.wrongType(field: "soc", expected: "a number", got: "a string")),
        (#"{"voltage": true}"#, RejectReason.wrongType(field: "voltage", expected: "a number", got: "a boolean")),
        (#"{"soc": 1, "cycles": 1.5}"#, RejectReason.wrongType(field: "cycles", expected: "an integer", got: "a number")),
        (#"{"soc": 1, "seq": "1"}"#, RejectReason.wrongType(field: "seq", expected: "an integer", got: "a string")),
        (#"{"soc": 1, "battery": 7}"#, RejectReason.wrongType(field: "battery", expected: "a string", got: "a number")),
        (#"{"soc": 1, "ts": "soon"}"#, RejectReason.badTimestamp("soon")),
    ])
    func rejectsFieldsOfTheWrongType(payload: String, reason: RejectReason) throws {
        #expect(try rejection(payload) == reason)
    }

    @Test func aBareNumberIsNotABatteryRecord() {
        guard case .failure(let reason) = decode("48.2") else { Issue.record("accepted"); return }
        #expect(reason == .notAnObject(got: "a number"))
        guard case .failure(let asText) = decode("48.2", format: .number) else { Issue.record("accepted"); return }
        #expect(asText == .notAnObject(got: "a number"))
        #expect(!BatteryDecoder.acceptsBareNumber)
    }

    // MARK: Identity

    @Test func theTopicsBatteryLevelIsTheIdentity() throws {
        #expect(BatteryDecoder.identityField == "battery")
        #expect(try record(#"{"soc": 1}"#).battery == "pack-7")
        #expect(try record(#"{"soc": 1, "battery": "pack-7"}"#).battery == "pack-7")
        #expect(try record(#"{"soc": 1, "battery": null}"#).battery == "pack-7")
    }

    @Test func aPayloadNamingAnotherBatteryIsAnIdentityMismatch() throws {
        let reason = try rejection(#"{"soc": 1, "battery": "pack-8"}"#)
        #expect(reason == .identityMismatch(field: "battery", payload: "pack-8", topic: "pack-7"))
        #expect(reason?.code == "identity_mismatch")
    }

    @Test func withoutATopicLevelThePayloadNamesTheBattery() throws {
        #expect(try record(#"{"soc": 1, "battery": "pack-9"}"#, topic: TopicFields()).battery == "pack-9")
    }

    @Test func aMissingBatteryIsRejected() throws {
        #expect(try rejection(#"{"soc": 1}"#, topic: TopicFields()) == .missingField("battery"))
    }

    // MARK: Validation

    @Test func acceptsAPlausibleRecord() {
        #expect(validate(reading(voltage: 48, current: -200, temperature: 25, soc: 0, soh: 100, cycles: 0)) == nil)
    }

    @Test(arguments: [
        ("soc", -0.1), ("soc", 100.1), ("soh", -1), ("soh", 101),
        ("temperature", -40.5), ("temperature", 125.5), ("voltage", -0.01),
    ])
    func rejectsAParameterOutsideItsRange(field: String, value: Double) {
        var r = reading()
        switch field {
        case "soc": r.soc = value
        case "soh": r.soh = value
        case "temperature": r.temperature = value
        default: r.voltage = value
        }
        let reason = validate(r)
        #expect(reason?.code == "out_of_range")
        guard case .outOfRange(let f, let v, _) = reason else { Issue.record("\(String(describing: reason))"); return }
        #expect(f == field)
        #expect(v == value)
    }

    @Test(arguments: [("soc", 0.0), ("soc", 100.0), ("soh", 0.0), ("soh", 100.0), ("temperature", -40.0),
                      ("temperature", 125.0), ("voltage", 0.0), ("voltage", 1e6)])
    func acceptsTheBoundsOfEachRange(field: String, value: Double) {
        var r = reading()
        switch field {
        case "soc": r.soc = value
        case "soh": r.soh = value
        case "temperature": r.temperature = value
        default: r.voltage = value
        }
        #expect(validate(r) == nil)
    }

    @Test func outOfRangeNamesTheFieldValueAndRange() {
        let reason = validate(reading(soc: 120))
        #expect(reason == .outOfRange(field: "soc", value: 120, range: 0...100))
        #expect(reason?.description == "field 'soc' is 120, outside 0 to 100")
    }

    @Test func negativeCyclesAreOutOfRange() {
        #expect(validate(reading(cycles: -1))?.code == "out_of_range")
    }

    @Test func nonFiniteParametersAreRejected() {
        #expect(validate(reading(current: .infinity)) == .notFinite(field: "current"))
        #expect(validate(reading(voltage: .nan)) == .notFinite(field: "voltage"))
    }

    @Test func rangesAreConfigurable() {
        var ranges = BatteryRanges()
        ranges.soc = 10...90
        ranges.temperature = -20...60
        ranges.voltage = 40...58
        #expect(validate(reading(soc: 95), ranges: ranges) == .outOfRange(field: "soc", value: 95, range: 10...90))
        #expect(validate(reading(soc: 90), ranges: ranges) == nil)
        #expect(validate(reading(temperature: 70), ranges: ranges)?.code == "out_of_range")
        #expect(validate(reading(voltage: 39), ranges: ranges) == .outOfRange(field: "voltage", value: 39, range: 40...58))
        #expect(validate(reading(soc: 95)) == nil, "the default range is 0 to 100")
    }

    @Test func theTimeIsCheckedAgainstTheLimits() {
        var r = reading()
        r.ts = Self.receivedAt + 3600
        #expect(validate(r)?.code == "ts_in_future")
        r.ts = Self.receivedAt - 8 * 86_400
        #expect(validate(r)?.code == "ts_too_old")
    }

    @Test func theBatteryNameIsBoundedNonEmptyAndFreeOfNUL() {
        var limits = Limits()
        limits.maxStringLength = 4
        var r = reading()
        r.battery = "pack-7"
        #expect(BatteryDecoder(limits: limits).validate(r, now: Self.receivedAt)
            == .stringTooLong(field: "battery", length: 6, limit: 4))
        r.battery = ""
        #expect(validate(r) == .emptyString(field: "battery"))
        r.battery = "p\u{0}7"
        #expect(validate(r) == .nulCharacter(field: "battery"))
    }

    /// PostgreSQL jsonb cannot hold \u0000: an extra member holding one is refused before the database.
    @Test func anExtraMemberWithANULIsRejected() throws {
        let out = try output(#"{"soc": 1, "note": "a\u0000b", "ok": {"k\u0000": 1}}"#)
        #expect(out.records.isEmpty)
        #expect(out.rejections.map(\.1) == [.nulCharacter(field: "extra")])
    }

    /// A backslash followed by "u0000" is text, not a NUL: JSONWriter writes it as `\\u0000`,
    /// which jsonb stores without complaint.
    @Test func anExtraMemberWithAnEscapedBackslashBeforeU0000IsNotANUL() throws {
        let r = try record(#"{"soc": 1, "path": "C:\\u0000data"}"#)
        #expect(r.extra == #"{"path":"C:\\u0000data"}"#)
        #expect(validate(r) == nil)
    }

    // MARK: JSON

    @Test func jsonShowsTheParametersAndExtraAsAnObject() {
        var r = reading(voltage: 48.5, soc: 80)
        r.extra = #"{"mode":"eco"}"#
        #expect(r.json == #"{"battery":"pack-7","ts":"2026-11-23T08:00:00.000000Z","voltage":48.5,"current":null,"temperature":null,"soc":80,"soh":null,"cycles":null,"extra":{"mode":"eco"}}"#)
    }
}
