import Testing
@testable import IngestCore

@Suite struct JSONParserTests {
    func parse(_ text: String, maxDepth: Int = 16) throws(JSONError) -> JSONValue {
        try JSONParser(maxDepth: maxDepth).parse(Array(text.utf8))
    }

    /// The error `text` fails with, or nil when it parses.
    func error(_ text: String, maxDepth: Int = 16) -> JSONError? {
        do { _ = try parse(text, maxDepth: maxDepth); return nil } catch { return error }
    }

    // MARK: Structure

    @Test func parsesAnObjectKeepingMemberOrder() throws {
        let v = try parse(#"{"b": 1, "a": true, "c": null, "d": false, "e": "x"}"#)
        #expect(v == .object([("b", .number(1)), ("a", .bool(true)), ("c", .null), ("d", .bool(false)), ("e", .string("x"))]))
        #expect(v["a"] == .bool(true))
        #expect(v["missing"] == nil)
    }

    @Test func parsesEmptyObjectAndArray() throws {
        #expect(try parse("{}") == .object([]))
        #expect(try parse("[]") == .array([]))
        #expect(try parse(" { } ") == .object([]))
        #expect(try parse("[ ]") == .array([]))
    }

    @Test func parsesAnArrayOfMixedValues() throws {
        #expect(try parse(#"[1, "two", false, null, [], {}]"#)
            == .array([.number(1), .string("two"), .bool(false), .null, .array([]), .object([])]))
    }

    @Test func parsesNestedStructuresAcrossWhitespace() throws {
        let text = "\n\t{ \"a\" :\r\n [ { \"b\" : [ 1 , 2 ] } , 3 ] , \"c\" : { \"d\" : { } } }\n "
        #expect(try parse(text) == .object([
            ("a", .array([.object([("b", .array([.number(1), .number(2)]))]), .number(3)])),
            ("c", .object([("d", .object([]))])),
        ]))
    }

    @Test func parsesTopLevelScalars() throws {
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("null") == .null)
        #expect(try parse(#""s""#) == .string("s"))
        #expect(try parse(" 7 ") == .number(7))
    }

    // MARK: Strings

    @Test(arguments: [
        (#""plain""#, "plain"),
        (#""""#, ""),
        (#""a\"b""#, "a\"b"),
        (#""back\\slash""#, "back\\slash"),
        (#""a\/b""#, "a/b"),
        (#""\b\f\n\r\t""#, "\u{08}\u{0C}\n\r\t"),
        (#""caf\u00e9""#, "café"),
        (#""\u20AC and \u20ac""#, "€ and €"),
        (#""\u0041\u0000z""#, "A\u{0}z"),
        (#""\ud83d\ude00""#, "😀"),
        (#""x\uD834\uDD1Ey""#, "x𝄞y"),
        (#""héllo wörld 温度""#, "héllo wörld 温度"),
        (#""pre é \n post""#, "pre é \n post"),
    ])
    func decodesStringEscapes(json: String, expected: String) throws {
        #expect(try parse(json) == .string(expected))
    }

    @Test func decodesEscapedObjectKeys() throws {
        #expect(try parse(#"{"a\nb": 1}"#) == .object([("a\nb", .number(1))]))
    }

    @Test(arguments: [
        (#""\x""#, JSONError.invalidEscape(offset: 1)),
        (#""abc\q""#, JSONError.invalidEscape(offset: 4)),
        (#""\ud800""#, JSONError.invalidEscape(offset: 7)),
        (#""\ud800x""#, JSONError.invalidEscape(offset: 7)),
    ])
    func rejectsBadEscapes(json: String, expected: JSONError) {
        #expect(error(json) == expected)
    }

    @Test(arguments: [
        #""\ud800\u0041""#,   // high surrogate followed by a non-surrogate
        #""\ud800\ud800""#,   // two high surrogates
        #""\udc00""#,         // lone low surrogate
        #""\u12G4""#,         // not hex
    ])
    func rejectsBadUnicodeEscapes(json: String) {
        guard case .invalidEscape? = error(json) else {
            Issue.record("expected .invalidEscape for \(json), got \(String(describing: error(json)))")
            return
        }
    }

    @Test func rejectsRawControlCharactersInStrings() {
        #expect(error("\"a\nb\"") == .unexpectedByte(0x0A, offset: 2))
        #expect(error("\"a\u{0}b\"") == .unexpectedByte(0x00, offset: 2))
        // The same check holds after an escape (the slow path).
        #expect(error("\"\\n\tx\"") == .unexpectedByte(0x09, offset: 3))
        #expect(error("\"\u{1F}\"") == .unexpectedByte(0x1F, offset: 1))
    }

    // MARK: Numbers

    @Test(arguments: [
        ("0", 0.0),
        ("-0", -0.0),
        ("7", 7),
        ("42", 42),
        ("-17", -17),
        ("3.25", 3.25),
        ("-0.5", -0.5),
        ("10.5", 10.5),
        ("1e3", 1000),
        ("1E+2", 100),
        ("2.5e-3", 0.0025),
        ("-1.5E2", -150),
        ("0e0", 0),
        ("9007199254740992", 9_007_199_254_740_992),
        ("12345678901234567890", 1.2345678901234567e19),
    ])
    func parsesNumbers(json: String, expected: Double) throws {
        #expect(try parse(json).numberValue == expected)
    }

    @Test func parsesOnePointOneExactlyAsTheStandardLibraryDoes() throws {
        guard case .number(let v) = try parse("0.1") else { Issue.record("not a number"); return }
        #expect(v.bitPattern == Double("0.1")!.bitPattern)
        #expect(v == 0.1)
    }

    /// Every number is correctly rounded: bit-for-bit what `Double(String)` gives, on both the
    /// fast path (≤ 15 digits, no exponent) and the slow path.
    @Test(arguments: [
        "0.1", "0.2", "0.3", "21.7", "-273.15", "123.456", "0.000001", "0.30000000000000004",
        "99.99", "1013.25", "3.141592653589793", "123456789012345.6", "9007199254740993",
        "1.7976931348623157e308", "5e-324", "2.2250738585072014e-308", "0.0000000000000000000001",
        "1234567.8901234567890123", "-0.000123e-7", "18446744073709551616", "4.35",
    ])
    func parsesNumbersBitForBitLikeTheStandardLibrary(text: String) throws {
        guard let v = try parse(text).numberValue else { Issue.record("not a number"); return }
        #expect(v.bitPattern == Double(text)!.bitPattern, "\(text): got \(v), expected \(Double(text)!)")
    }

    @Test func overflowingExponentGivesInfinity() throws {
        #expect(try parse("1e999") == .number(.infinity))
        #expect(try parse("-1e999") == .number(-.infinity))
        #expect(try parse("[1e999]") == .array([.number(.infinity)]))
    }

    @Test(arguments: [
        ("01", JSONError.trailingData(offset: 1)),
        ("00", JSONError.trailingData(offset: 1)),
        ("-01", JSONError.trailingData(offset: 2)),
        ("0123.5", JSONError.trailingData(offset: 1)),
    ])
    func rejectsLeadingZerosAsTrailingData(json: String, expected: JSONError) {
        #expect(error(json) == expected)
    }

    @Test(arguments: [
        ("1.", JSONError.invalidNumber(offset: 0)),
        ("1.e5", JSONError.invalidNumber(offset: 0)),
        ("1e", JSONError.invalidNumber(offset: 0)),
        ("1e+", JSONError.invalidNumber(offset: 0)),
        ("-a", JSONError.invalidNumber(offset: 0)),
        ("[1, -x]", JSONError.invalidNumber(offset: 4)),
        (".5", JSONError.unexpectedByte(UInt8(ascii: "."), offset: 0)),
        ("+1", JSONError.unexpectedByte(UInt8(ascii: "+"), offset: 0)),
    ])
    func rejectsMalformedNumbers(json: String, expected: JSONError) {
        #expect(error(json) == expected)
    }

    // MARK: Errors

    @Test(arguments: [
        "", "   ", "{", "[", "[1,", "[1", #"{"a""#, #"{"a":"#, #"{"a":1"#, #"{"a":1,"#,
        #""abc"#, #""ab\"#, #""\u12"#, "tru", "fals", "nul", "-", #"{"a":"\u00e9"#,
    ])
    func truncatedInputIsUnexpectedEnd(json: String) {
        #expect(error(json) == .unexpectedEnd)
    }

    @Test(arguments: [
        ("{} x", JSONError.trailingData(offset: 3)),
        ("1 2", JSONError.trailingData(offset: 2)),
        ("[]]", JSONError.trailingData(offset: 2)),
        (#"{"a":1}}"#, JSONError.trailingData(offset: 7)),
        ("null,", JSONError.trailingData(offset: 4)),
    ])
    func rejectsTrailingData(json: String, expected: JSONError) {
        #expect(error(json) == expected)
    }

    @Test(arguments: [
        ("[1,]", JSONError.unexpectedByte(UInt8(ascii: "]"), offset: 3)),
        (#"{"a":1,}"#, JSONError.unexpectedByte(UInt8(ascii: "}"), offset: 7)),
        ("{a:1}", JSONError.unexpectedByte(UInt8(ascii: "a"), offset: 1)),
        (#"{"a" 1}"#, JSONError.unexpectedByte(UInt8(ascii: "1"), offset: 5)),
        ("[1 2]", JSONError.unexpectedByte(UInt8(ascii: "2"), offset: 3)),
        ("[true false]", JSONError.unexpectedByte(UInt8(ascii: "f"), offset: 6)),
        ("trux", JSONError.unexpectedByte(UInt8(ascii: "x"), offset: 3)),
        ("none", JSONError.unexpectedByte(UInt8(ascii: "o"), offset: 1)),
        ("'a'", JSONError.unexpectedByte(UInt8(ascii: "'"), offset: 0)),
        ("[,1]", JSONError.unexpectedByte(UInt8(ascii: ","), offset: 1)),
    ])
    func rejectsUnexpectedBytes(json: String, expected: JSONError) {
        #expect(error(json) == expected)
    }

    // MARK: Depth

    @Test(arguments: [1, 2, 8, 16])
    func acceptsNestingOfExactlyMaxDepth(maxDepth: Int) throws {
        let arrays = String(repeating: "[", count: maxDepth) + "1" + String(repeating: "]", count: maxDepth)
        #expect(throws: Never.self) { try parse(arrays, maxDepth: maxDepth) }
        let objects = String(repeating: #"{"a":"#, count: maxDepth) + "1" + String(repeating: "}", count: maxDepth)
        #expect(throws: Never.self) { try parse(objects, maxDepth: maxDepth) }
    }

    @Test(arguments: [1, 2, 8, 16])
    func rejectsNestingOfMaxDepthPlusOneAsTooDeep(maxDepth: Int) {
        let arrays = String(repeating: "[", count: maxDepth + 1) + String(repeating: "]", count: maxDepth + 1)
        #expect(error(arrays, maxDepth: maxDepth) == .tooDeep(limit: maxDepth))
        let objects = String(repeating: #"{"a":"#, count: maxDepth) + "{}" + String(repeating: "}", count: maxDepth)
        #expect(error(objects, maxDepth: maxDepth) == .tooDeep(limit: maxDepth))
        // Mixed arrays and objects count alike.
        let mixed = String(repeating: #"[{"a":"#, count: (maxDepth + 2) / 2) + "1" + String(repeating: "}]", count: (maxDepth + 2) / 2)
        #expect(error(mixed, maxDepth: maxDepth) == .tooDeep(limit: maxDepth))
    }

    @Test func siblingsDoNotAddDepth() throws {
        #expect(throws: Never.self) { try parse("[[1],[2],[3],{}]", maxDepth: 2) }
    }

    @Test func tooDeepInputIsRejectedBeforeItsEndIsRead() {
        // A deep, unterminated payload must fail on depth, not on reading to the end.
        #expect(error(String(repeating: "[", count: 10_000), maxDepth: 8) == .tooDeep(limit: 8))
    }

    @Test func errorDescriptionsNameTheOffset() {
        #expect(JSONError.unexpectedByte(UInt8(ascii: "x"), offset: 3).description == "unexpected 'x' at byte 3")
        #expect(JSONError.unexpectedByte(0x0A, offset: 2).description == "unexpected byte 0xa at byte 2")
        #expect(JSONError.tooDeep(limit: 8).description == "nested deeper than 8 levels")
        #expect(JSONError.trailingData(offset: 1).description.contains("byte 1"))
    }
}
