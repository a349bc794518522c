import Testing
@testable import IngestCore

/// Integers beyond 2^53 (`seq`, `cycles`, a numeric `event_id`) are read exactly, or refused
/// naming the field when they are not exact or do not fit a bigint: a Double would make
/// 9007199254740993 into 9007199254740992, and two event ids one.
@Suite struct IntegerExactnessTests {
    func parse(_ text: String) throws(JSONError) -> JSONValue {
        try JSONParser(maxDepth: 16).parse(Array(text.utf8))
    }

    static let bigint = -0x1p63...0x1p63

    @Test(arguments: [
        ("9007199254740993", JSONValue.integer(9_007_199_254_740_993)),        // 2^53 + 1
        ("-9007199254740993", .integer(-9_007_199_254_740_993)),
        ("9223372036854775807", .integer(Int64.max)),                          // 2^63 - 1
        ("-9223372036854775808", .integer(Int64.min)),                         // -2^63
        ("9007199254740992", .integer(9_007_199_254_740_992)),                 // 2^53: 2^53 + 1 rounds to it too
        ("9007199254740991", .number(9_007_199_254_740_991)),                  // 2^53 - 1
        ("1234567890123456", .number(1_234_567_890_123_456)),
        ("9223372036854775808", .number(0x1p63)),                              // 2^63: no Int64
        ("1e19", .number(1e19)),
        ("1.5", .number(1.5)),
        ("12", .number(12)),
        ("-0", .number(-0.0)),
    ])
    func theParserKeepsAnIntegerLiteralExact(text: String, expected: JSONValue) throws {
        #expect(try parse(text) == expected)
        #expect(try parse("[\(text)]") == .array([expected]))
    }

    @Test func anExactIntegerIsWrittenBackAsItsDigits() throws {
        #expect(JSONWriter.encode(try parse(#"{"n":9007199254740993,"m":-9223372036854775808}"#))
                == #"{"n":9007199254740993,"m":-9223372036854775808}"#)
    }

    @Test(arguments: [
        ("9007199254740993", Result<Int64?, RejectReason>.success(9_007_199_254_740_993)),
        ("9223372036854775807", .success(Int64.max)),
        ("-9223372036854775808", .success(Int64.min)),
        ("1e3", .success(1000)),
        ("null", .success(nil)),
        ("9223372036854775808", .failure(.outOfRange(field: "seq", value: 0x1p63, range: bigint))),
        ("1e19", .failure(.outOfRange(field: "seq", value: 1e19, range: bigint))),
        ("-1e19", .failure(.outOfRange(field: "seq", value: -1e19, range: bigint))),
        ("1.5", .failure(.wrongType(field: "seq", expected: "an integer", got: "a number"))),
        ("1e999", .failure(.wrongType(field: "seq", expected: "an integer", got: "a number"))),
        ("9007199254740992.0", .failure(.wrongType(field: "seq",
            expected: "an integer written in digits (beyond ±2^53 a fraction or exponent is not exact)", got: "a number"))),
        ("9.007199254740993e15", .failure(.wrongType(field: "seq",
            expected: "an integer written in digits (beyond ±2^53 a fraction or exponent is not exact)", got: "a number"))),
    ])
    func anIntegerFieldIsExactOrRefused(text: String, expected: Result<Int64?, RejectReason>) throws {
        #expect(RecordField.integer("seq", try parse(text)) == expected)
    }

    @Test func aSensorSeqAboveTwoToThe53IsStoredExactly() throws {
        let decoder = SensorDecoder(limits: Limits())
        let out = try decoder.decode(Array(#"{"value": 1, "seq": 9007199254740993}"#.utf8), format: .json,
                                     topicFields: ["device": "d1", "metric": "m"], receivedAt: Fixture.t0).get()
        #expect(out.records.map(\.seq) == [9_007_199_254_740_993])
        let refused = try decoder.decode(Array(#"{"value": 1, "seq": 9223372036854775808}"#.utf8), format: .json,
                                         topicFields: ["device": "d1", "metric": "m"], receivedAt: Fixture.t0).get()
        #expect(refused.records.isEmpty)
        #expect(refused.rejections.map(\.1.code) == ["out_of_range"])
    }

    @Test func aBigIntegerValueIsStillANumber() throws {
        let decoder = SensorDecoder(limits: Limits())
        let out = try decoder.decode(Array("9007199254740993".utf8), format: .json,
                                     topicFields: ["device": "d1", "metric": "m"], receivedAt: Fixture.t0).get()
        #expect(out.records.map(\.value) == [9_007_199_254_740_992])
    }

    @Test func batteryCyclesAndSeqAboveTwoToThe53AreStoredExactly() throws {
        let out = try BatteryDecoder(limits: Limits())
            .decode(Array(#"{"soc": 50, "cycles": 9007199254740993, "seq": 9223372036854775807}"#.utf8), format: .json,
                    fields: TopicFields(identity: "pack-1", site: "s1"), receivedAt: Fixture.t0, limits: Limits()).get()
        #expect(out.records.map(\.cycles) == [9_007_199_254_740_993])
        #expect(out.records.map(\.seq) == [Int64.max])
        let refused = try BatteryDecoder(limits: Limits())
            .decode(Array(#"{"soc": 50, "cycles": 1e19}"#.utf8), format: .json,
                    fields: TopicFields(identity: "pack-1", site: "s1"), receivedAt: Fixture.t0, limits: Limits()).get()
        #expect(refused.rejections.map(\.1) == [.outOfRange(field: "cycles", value: 1e19, range: Self.bigint)])
    }

    @Test func twoNumericEventIdsThatDifferBeyondTwoToThe53AreTwo() throws {
        func eventID(_ id: String) throws -> [String] {
            try MachineEventDecoder(limits: Limits())
                .decode(Array(#"{"event_id": \#(id), "event_time": "2026-11-23T07:59:00Z", "duration_ms": 1}"#.utf8), format: .json,
                        fields: TopicFields(identity: "cnc-4", site: "s1", line: "l1"), receivedAt: Fixture.t0, limits: Limits())
                .get().records.map(\.eventID)
        }
        #expect(try eventID("9007199254740993") == ["9007199254740993"])
        #expect(try eventID("9007199254740992") == ["9007199254740992"])
        #expect(try eventID("-9223372036854775808") == ["-9223372036854775808"])
        #expect(try eventID("123") == ["123"])
        let refused = try MachineEventDecoder(limits: Limits())
            .decode(Array(#"{"event_id": 1e19, "event_time": "2026-11-23T07:59:00Z", "duration_ms": 1}"#.utf8), format: .json,
                    fields: TopicFields(identity: "cnc-4", site: "s1", line: "l1"), receivedAt: Fixture.t0, limits: Limits()).get()
        #expect(refused.rejections.map(\.1.code) == ["out_of_range"])
        #expect(refused.rejections.first?.1.description.contains("'event_id'") == true)
        let fraction = try MachineEventDecoder(limits: Limits())
            .decode(Array(#"{"event_id": 1.5, "event_time": "2026-11-23T07:59:00Z", "duration_ms": 1}"#.utf8), format: .json,
                    fields: TopicFields(identity: "cnc-4", site: "s1", line: "l1"), receivedAt: Fixture.t0, limits: Limits()).get()
        #expect(fraction.rejections.map(\.1.code) == ["wrong_type"])
    }
}
