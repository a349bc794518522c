import Testing
@testable import IngestCore

@Suite struct SensorDecoderTests {
    static let receivedAt = Timestamp(rfc3339: "2026-11-23T08:00:00Z")!
    static let topic = ["site": "s-topic", "line": "l-topic", "device": "d-topic", "metric": "m-topic"]

    var limits = Limits()

    func decode(_ payload: String, format: PayloadFormat = .json, topic: [String: String] = topic,
                limits: Limits? = nil) -> Result<SensorDecoder.Output, RejectReason> {
        SensorDecoder(limits: limits ?? self.limits)
            .decode(Array(payload.utf8), format: format, topicFields: topic, receivedAt: Self.receivedAt)
    }

    /// The output of a payload that must decode as a whole.
    func output(_ payload: String, format: PayloadFormat = .json, topic: [String: String] = topic,
                sourceLocation: SourceLocation = #_sourceLocation) throws -> SensorDecoder.Output {
        switch decode(payload, format: format, topic: topic) {
        case .success(let out): return out
        case .failure(let reason):
            Issue.record("rejected: \(reason)", sourceLocation: sourceLocation)
            throw reason
        }
    }

    func failure(_ payload: String, format: PayloadFormat = .json, limits: Limits? = nil) -> RejectReason? {
        if case .failure(let r) = decode(payload, format: format, limits: limits) { return r }
        return nil
    }

    func reading(device: String = "d-topic", metric: String = "m-topic", value: Double,
                 ts: Timestamp = receivedAt, unit: String? = nil, quality: String? = nil, seq: Int64? = nil,
                 site: String? = "s-topic", line: String? = "l-topic") -> SensorReading {
        SensorReading(ts: ts, device: device, metric: metric, value: value, unit: unit, quality: quality, seq: seq,
                      site: site, line: line, receivedAt: Self.receivedAt)
    }

    // MARK: Shapes

    @Test func decodesASingleObjectWithEveryField() throws {
        let out = try output(#"""
            {"ts": "2026-11-23T07:59:00.5Z", "device": "d1", "metric": "temp", "value": 21.5, "unit": "C",
             "quality": "good", "seq": 42, "site": "s1", "line": "l1", "extra": {"ignored": [1, 2]}}
            """#, topic: [:])
        #expect(out.rejections.isEmpty)
        #expect(out.readings == [reading(device: "d1", metric: "temp", value: 21.5,
                                         ts: Timestamp(rfc3339: "2026-11-23T07:59:00.5Z")!, unit: "C",
                                         quality: "good", seq: 42, site: "s1", line: "l1")])
    }

    @Test func decodesAnArrayAsABatchInOrder() throws {
        let out = try output(#"[{"value": 1, "metric": "a"}, {"value": 2, "metric": "b"}, {"value": 3, "metric": "c"}]"#,
                             topic: ["site": "s-topic", "line": "l-topic", "device": "d-topic"])
        #expect(out.rejections.isEmpty)
        #expect(out.readings == [reading(metric: "a", value: 1), reading(metric: "b", value: 2), reading(metric: "c", value: 3)])
    }

    @Test func decodesABareJSONNumberWithEverythingElseFromTheTopic() throws {
        let out = try output("21.5")
        #expect(out.rejections.isEmpty)
        #expect(out.readings == [reading(value: 21.5)])
        #expect(out.readings.first?.ts == Self.receivedAt)
    }

    @Test(arguments: [("21.5", 21.5), (" -3\n", -3), ("\t1e3\n", 1000), ("0", 0), ("\r\t 4.5 \r", 4.5)])
    func numberFormatReadsTheValueFromText(payload: String, value: Double) throws {
        let out = try output(payload, format: .number)
        #expect(out.readings == [reading(value: value)])
        #expect(out.rejections.isEmpty)
    }

    /// A line ended the Windows way ("\r\n" is one Character in Swift) is white space too.
    @Test func numberFormatTrimsACRLFLineEnding() throws {
        #expect(BareNumber.parse(Array("21.5\r\n".utf8)) == 21.5)
        #expect(try output("21.5\r\n", format: .number).readings == [reading(value: 21.5)])
    }

    @Test(arguments: ["", "  ", "abc", "21.5C", #"{"value": 1}"#, "1 2"])
    func numberFormatRejectsTextThatIsNotANumber(payload: String) {
        #expect(failure(payload, format: .number) == .notANumber)
    }

    @Test func numberFormatNeedsDeviceAndMetricFromTheTopic() throws {
        let out = try output("5", format: .number, topic: ["device": "d"])
        #expect(out.readings.isEmpty)
        #expect(out.rejections.map { $0.0 } == [0])
        #expect(out.rejections.first?.1 == .missingField("metric"))
    }

    // MARK: Topic fields

    static let everyLevel = ["device": "d-topic", "metric": "m-topic", "site": "s-topic", "line": "l-topic", "unit": "u-topic"]

    @Test func topicFieldsFillMissingFields() throws {
        let out = try output(#"{"value": 7}"#, topic: Self.everyLevel)
        #expect(out.readings == [reading(device: "d-topic", metric: "m-topic", value: 7, unit: "u-topic",
                                         site: "s-topic", line: "l-topic")])
    }

    /// Every level the route captures is the topic's, not only the device: a device the ACL
    /// pins to site s-topic cannot move its readings to another site, line, metric or unit.
    @Test(arguments: ["site", "line", "metric", "unit"])
    func aPayloadLevelDisagreeingWithTheTopicIsAnIdentityMismatch(field: String) throws {
        let out = try output(#"{"\#(field)": "other", "value": 7}"#, topic: Self.everyLevel)
        #expect(out.readings.isEmpty)
        let reason = try #require(out.rejections.first?.1)
        #expect(reason == .identityMismatch(field: field, payload: "other", topic: "\(field.first!)-topic"))
        #expect(reason.code == "identity_mismatch")
    }

    @Test func payloadLevelsAgreeingWithTheTopicAreAccepted() throws {
        let out = try output(#"{"site": "s-topic", "line": "l-topic", "metric": "m-topic", "unit": "u-topic", "value": 7}"#,
                             topic: Self.everyLevel)
        #expect(out.rejections.isEmpty)
        #expect(out.readings.count == 1)
    }

    // MARK: Identity: the topic's device level

    @Test func payloadDeviceAgreeingWithTheTopicIsAccepted() throws {
        let out = try output(#"{"device": "d-topic", "value": 7}"#)
        #expect(out.rejections.isEmpty)
        #expect(out.readings == [reading(device: "d-topic", value: 7)])
    }

    /// A device may only publish as itself: a payload naming another device is refused rather
    /// than written under the name it claims (which would defeat a per-device broker ACL).
    @Test func payloadDeviceDisagreeingWithTheTopicIsAnIdentityMismatch() throws {
        let out = try output(#"{"device": "d-payload", "value": 7}"#)
        #expect(out.readings.isEmpty)
        #expect(out.rejections.map { $0.0 } == [0])
        let reason = try #require(out.rejections.first?.1)
        #expect(reason == .identityMismatch(field: "device", payload: "d-payload", topic: "d-topic"))
        #expect(reason.code == "identity_mismatch")
        #expect(reason.description == "field 'device' is 'd-payload' but the topic says 'd-topic'; a device may only publish as itself")
    }

    @Test func identityMismatchRejectsOnlyItsRecordOfABatch() throws {
        let out = try output(#"[{"value": 1}, {"device": "other", "value": 2}, {"device": "d-topic", "value": 3}]"#)
        #expect(out.readings == [reading(value: 1), reading(value: 3)])
        #expect(out.rejections.map { $0.0 } == [1])
        #expect(out.rejections.first?.1.code == "identity_mismatch")
    }

    @Test func identityMismatchAppliesToAValuesRecordToo() throws {
        let out = try output(#"{"device": "other", "values": {"a": 1, "b": 2}}"#)
        #expect(out.readings.isEmpty)
        #expect(out.rejections.first?.1 == .identityMismatch(field: "device", payload: "other", topic: "d-topic"))
    }

    @Test func withoutADeviceLevelThePayloadNamesTheDevice() throws {
        let out = try output(#"{"device": "d-payload", "value": 7}"#, topic: ["metric": "m-topic"])
        #expect(out.readings == [reading(device: "d-payload", value: 7, site: nil, line: nil)])
    }

    @Test func levelsTheRouteDoesNotCaptureComeFromThePayload() throws {
        let out = try output(#"{"metric": "m-payload", "line": "l-payload", "site": "s-payload", "unit": "K", "value": 7}"#,
                             topic: ["device": "d-topic"])
        #expect(out.readings == [reading(metric: "m-payload", value: 7, unit: "K", site: "s-payload", line: "l-payload")])
    }

    @Test func aValuesRecordNamesItsOwnMetricsButNotItsSite() throws {
        #expect(try output(#"{"values": {"a": 1, "b": 2}}"#).readings.map(\.metric) == ["a", "b"])
        #expect(try output(#"{"site": "s9", "values": {"a": 1}}"#).rejections.first?.1
                == .identityMismatch(field: "site", payload: "s9", topic: "s-topic"))
    }

    @Test func nullFieldsFallBackToTheTopic() throws {
        let out = try output(#"{"device": null, "metric": null, "site": null, "ts": null, "seq": null, "value": 1}"#)
        #expect(out.readings == [reading(value: 1)])
    }

    @Test func numericQualityIsKeptAsText() throws {
        #expect(try output(#"{"value": 1, "quality": 192}"#).readings.first?.quality == "192")
        #expect(try output(#"{"value": 1, "quality": 0.5}"#).readings.first?.quality == "0.5")
    }

    // MARK: values

    @Test func valuesObjectExpandsToOneReadingPerMetric() throws {
        let out = try output(#"{"device": "d1", "ts": 1795421730, "values": {"temp": 21.5, "hum": 40, "press": 1013.25}}"#,
                             topic: [:])
        let ts = Timestamp(rfc3339: "2026-11-23T08:15:30Z")!
        #expect(out.rejections.isEmpty)
        #expect(out.readings == [
            reading(device: "d1", metric: "temp", value: 21.5, ts: ts, site: nil, line: nil),
            reading(device: "d1", metric: "hum", value: 40, ts: ts, site: nil, line: nil),
            reading(device: "d1", metric: "press", value: 1013.25, ts: ts, site: nil, line: nil),
        ])
    }

    @Test func valuesNeedNoMetricOrValue() throws {
        let out = try output(#"{"values": {"a": 1}}"#, topic: ["device": "d"])
        #expect(out.rejections.isEmpty)
        #expect(out.readings.map(\.metric) == ["a"])
    }

    @Test func valuesWithANonNumberMemberAreRejected() throws {
        let out = try output(#"{"values": {"a": "high"}}"#)
        #expect(out.readings.isEmpty)
        #expect(out.rejections.first?.1 == .wrongType(field: "values.a", expected: "a number", got: "a string"))
    }

    @Test func valuesThatAreNotAnObjectAreRejected() throws {
        let out = try output(#"{"values": [1, 2]}"#)
        #expect(out.readings.isEmpty)
        #expect(out.rejections.first?.1 == .wrongType(field: "values", expected: "an object of metric: number", got: "an array"))
    }

    // MARK: Timestamps

    @Test(arguments: [
        (#"{"value": 1, "ts": 1795421730123}"#, Int64(1_795_421_730_123_000)),          // epoch ms
        (#"{"value": 1, "ts": 1795421730}"#, Int64(1_795_421_730_000_000)),             // epoch s
        (#"{"value": 1, "ts": 1795421730.25}"#, Int64(1_795_421_730_250_000)),
        (#"{"value": 1, "ts": 1795421730123456}"#, Int64(1_795_421_730_123_456)),       // epoch µs
        (#"{"value": 1, "ts": "2026-11-23T08:15:30Z"}"#, Int64(1_795_421_730_000_000)),
        (#"{"value": 1, "time": "2026-11-23T09:15:30.123+01:00"}"#, Int64(1_795_421_730_123_000)),
        (#"{"value": 1, "timestamp": "2026-11-23 08:15:30Z"}"#, Int64(1_795_421_730_000_000)),
    ])
    func readsEpochAndRFC3339Timestamps(payload: String, micros: Int64) throws {
        #expect(try output(payload).readings.map(\.ts.microseconds) == [micros])
    }

    @Test func missingTimestampIsTheTimeOfReceipt() throws {
        #expect(try output(#"{"value": 1}"#).readings.first?.ts == Self.receivedAt)
        #expect(try output(#"{"value": 1}"#).readings.first?.receivedAt == Self.receivedAt)
    }

    @Test(arguments: [
        (#"{"value": 1, "ts": "yesterday"}"#, RejectReason.badTimestamp("yesterday")),
        (#"{"value": 1, "ts": "2026-02-30T00:00:00Z"}"#, RejectReason.badTimestamp("2026-02-30T00:00:00Z")),
        (#"{"value": 1, "ts": -5}"#, RejectReason.badTimestamp("-5.0")),
        (#"{"value": 1, "ts": true}"#, RejectReason.wrongType(field: "ts", expected: "an RFC 3339 string or epoch number", got: "a boolean")),
        (#"{"value": 1, "time": [1]}"#, RejectReason.wrongType(field: "time", expected: "an RFC 3339 string or epoch number", got: "an array")),
    ])
    func rejectsBadTimestamps(payload: String, reason: RejectReason) throws {
        let out = try output(payload)
        #expect(out.readings.isEmpty)
        #expect(out.rejections.count == 1)
        #expect(out.rejections.first?.0 == 0)
        #expect(out.rejections.first?.1 == reason)
    }

    // MARK: Missing and wrong fields

    @Test(arguments: [
        (#"{"metric": "m", "value": 1}"#, "device"),
        (#"{"device": "d", "value": 1}"#, "metric"),
        (#"{"device": "d", "metric": "m"}"#, "value"),
        (#"{}"#, "device"),
        (#"{"value": 1}"#, "device"),
    ])
    func reportsTheMissingField(payload: String, field: String) throws {
        let out = try output(payload, topic: [:])
        #expect(out.readings.isEmpty)
        #expect(out.rejections.count == 1)
        #expect(out.rejections.first?.1 == .missingField(field))
    }

    @Test(arguments: [
        (#"{"value": "21.5"}"#, RejectReason.wrongType(field: "value", expected: "a number", got: "a string")),
        (#"{"value": null}"#, RejectReason.wrongType(field: "value", expected: "a number", got: "null")),
        (#"{"value": true}"#, RejectReason.wrongType(field: "value", expected: "a number", got: "a boolean")),
        (#"{"value": 1, "device": 5}"#, RejectReason.wrongType(field: "device", expected: "a string", got: "a number")),
        (#"{"value": 1, "metric": {}}"#, RejectReason.wrongType(field: "metric", expected: "a string", got: "an object")),
        (#"{"value": 1, "unit": false}"#, RejectReason.wrongType(field: "unit", expected: "a string", got: "a boolean")),
        (#"{"value": 1, "site": 3}"#, RejectReason.wrongType(field: "site", expected: "a string", got: "a number")),
        (#"{"value": 1, "seq": 1.5}"#, RejectReason.wrongType(field: "seq", expected: "an integer", got: "a number")),
        (#"{"value": 1, "seq": "7"}"#, RejectReason.wrongType(field: "seq", expected: "an integer", got: "a string")),
        (#"{"value": 1, "seq": 1e300}"#, RejectReason.outOfRange(field: "seq", value: 1e300, range: -0x1p63...0x1p63)),
    ])
    func rejectsFieldsOfTheWrongType(payload: String, reason: RejectReason) throws {
        let out = try output(payload)
        #expect(out.readings.isEmpty)
        #expect(out.rejections.count == 1)
        #expect(out.rejections.first?.1 == reason)
    }

    // MARK: Whole-message rejections

    @Test func rejectsABatchLongerThanTheLimit() {
        var l = Limits()
        l.maxBatchLength = 3
        let four = "[" + Array(repeating: #"{"value": 1}"#, count: 4).joined(separator: ",") + "]"
        let three = "[" + Array(repeating: #"{"value": 1}"#, count: 3).joined(separator: ",") + "]"
        #expect(failure(four, limits: l) == .batchTooLong(count: 4, limit: 3))
        #expect(failure(three, limits: l) == nil)
    }

    @Test func rejectsAnEmptyBatch() {
        #expect(failure("[]") == .emptyBatch)
        #expect(failure(" [ ] ") == .emptyBatch)
    }

    @Test func rejectsAPayloadLargerThanTheLimitBeforeParsing() {
        var l = Limits()
        l.maxPayloadBytes = 16
        #expect(failure("12345678901234567", limits: l) == .payloadTooLarge(size: 17, limit: 16))
        // Checked before parsing: even malformed text is reported as too large.
        #expect(failure("{{{{{{{{{{{{{{{{{", limits: l) == .payloadTooLarge(size: 17, limit: 16))
        #expect(failure("1234567890123456", limits: l) == nil)
        #expect(failure("12345678901234567", format: .number, limits: l) == .payloadTooLarge(size: 17, limit: 16))
    }

    @Test(arguments: [
        (#"{"device": "#, JSONError.unexpectedEnd),
        (#"{"value": 1} x"#, JSONError.trailingData(offset: 13)),
        ("{'value': 1}", JSONError.unexpectedByte(UInt8(ascii: "'"), offset: 1)),
    ])
    func rejectsMalformedJSON(payload: String, error: JSONError) {
        let reason = failure(payload)
        #expect(reason == .malformedJSON(error))
        #expect(reason?.code == "malformed_json")
    }

    @Test func rejectsJSONDeeperThanTheLimitAsTooDeep() {
        var l = Limits()
        l.maxJSONDepth = 2
        let reason = failure(#"{"value": 1, "x": {"y": {"z": 1}}}"#, limits: l)
        #expect(reason == .malformedJSON(.tooDeep(limit: 2)))
        #expect(reason?.code == "too_deep")
        #expect(failure(#"{"value": 1, "x": {"y": 1}}"#, limits: l) == nil)
    }

    @Test(arguments: [(#""21.5""#, "a string"), ("true", "a boolean"), ("null", "null")])
    func rejectsTopLevelValuesThatAreNotRecords(payload: String, got: String) {
        #expect(failure(payload) == .notAnObject(got: got))
    }

    // MARK: Per-record rejections in a batch

    @Test func arrayElementThatIsNotAnObjectIsRejectedWhileSiblingsAreKept() throws {
        let out = try output(#"[{"value": 1}, 5, "x", [], {"value": 2}]"#)
        #expect(out.readings == [reading(value: 1), reading(value: 2)])
        #expect(out.rejections.count == 3)
        #expect(out.rejections.map { $0.0 } == [1, 2, 3])
        #expect(out.rejections.map { $0.1 } == [.notAnObject(got: "a number"), .notAnObject(got: "a string"),
                                            .notAnObject(got: "an array")])
    }

    @Test func badRecordInABatchIsRejectedWithItsIndexWhileSiblingsAreKept() throws {
        let out = try output(#"[{"value": 1}, {"value": "x"}, {"value": 3}, {"unit": "C"}]"#)
        #expect(out.readings == [reading(value: 1), reading(value: 3)])
        #expect(out.rejections.map { $0.0 } == [1, 3])
        #expect(out.rejections.map { $0.1 } == [.wrongType(field: "value", expected: "a number", got: "a string"),
                                            .missingField("value")])
    }
}
