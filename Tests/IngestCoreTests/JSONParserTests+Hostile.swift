import Testing
@testable import IngestCore

/// Strings that are not UTF-8 and members named twice: refused, with where.
extension JSONParserTests {
    func parse(bytes: [UInt8], maxDepth: Int = 16) -> Result<JSONValue, JSONError> {
        Result { () throws(JSONError) -> JSONValue in try JSONParser(maxDepth: maxDepth).parse(bytes) }
    }

    /// `text` with `bytes` in place of each `@`.
    func fill(_ text: String, _ bytes: [UInt8]) -> [UInt8] {
        text.utf8.flatMap { $0 == UInt8(ascii: "@") ? bytes : [$0] }
    }

    @Test(arguments: [
        [0x80],                    // a continuation byte alone
        [0xC0, 0xAF],              // an overlong '/'
        [0xC1, 0xBF],              // an overlong lead
        [0xE0, 0x80, 0xAF],        // an overlong three-byte form
        [0xED, 0xA0, 0x80],        // a surrogate, U+D800
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
        [0xF5, 0x80, 0x80, 0x80],  // a lead byte that never occurs
        [0xFF],
        [0xE2, 0x82],              // truncated before the closing quote
        [0xC3, 0x28],              // a lead byte followed by ASCII
    ] as [[UInt8]])
    func rejectsEveryKindOfIllFormedSequenceInAString(bad: [UInt8]) {
        for text in [#"{"device": "d@"}"#, #"{"device": "\n d@"}"#] {  // without and with escapes
            let offset = Array(text.utf8).firstIndex(of: UInt8(ascii: "@"))!
            #expect(parse(bytes: fill(text, bad)) == .failure(.invalidUTF8(offset: offset, path: "device", inName: false)))
        }
    }

    @Test(arguments: [
        [0xC3, 0xA9],              // é
        [0xE2, 0x82, 0xAC],        // €
        [0xEF, 0xBF, 0xBD],        // U+FFFD itself is a character
        [0xF0, 0x9F, 0x98, 0x80],  // 😀
        [0xF4, 0x8F, 0xBF, 0xBF],  // U+10FFFF
    ] as [[UInt8]])
    func acceptsWellFormedSequencesWithAndWithoutEscapes(good: [UInt8]) throws {
        let s = String(decoding: good, as: UTF8.self)
        #expect(parse(bytes: fill(#"["a@b"]"#, good)) == .success(.array([.string("a\(s)b")])))
        #expect(parse(bytes: fill(#"["\t@"]"#, good)) == .success(.array([.string("\t\(s)")])))
    }

    @Test func theErrorNamesThePathOfTheString() {
        let bad: [UInt8] = [0xFF]
        #expect(parse(bytes: fill(#"[{"device": "a"}, {"x": 1}, {"device": "@"}]"#, bad)).error?.invalidUTF8Field == "[2].device")
        #expect(parse(bytes: fill(#"{"values": {"temp": 1, "@": 2}}"#, bad)).error?.invalidUTF8Field == "values.<name>")
        #expect(parse(bytes: fill(#"{"@": 2}"#, bad)).error?.invalidUTF8Field == "<name>")
        #expect(parse(bytes: fill(#"{"a": [[1, "@"]]}"#, bad)).error?.invalidUTF8Field == "a[0][1]")
        #expect(parse(bytes: fill(#""@""#, bad)).error?.invalidUTF8Field == "")
        #expect(parse(bytes: fill(#"{"values": {"@": 2}}"#, bad)).error?.description
                == "a member name in 'values' is not valid UTF-8 (byte 13)")
    }

    @Test func bytesAboveASCIIOutsideAStringAreUnexpected() {
        #expect(parse(bytes: [0xFF]) == .failure(.unexpectedByte(0xFF, offset: 0)))
        #expect(parse(bytes: fill(#"{"a": 1}@"#, [0xC3, 0xA9])) == .failure(.trailingData(offset: 8)))
    }

    @Test func rejectsAMemberNamedTwice() {
        #expect(error(#"{"value": 1, "value": 2}"#) == .duplicateKey("value", offset: 13))
        #expect(error(#"{"a": {"b": 1, "b": 1}}"#) == .duplicateKey("b", offset: 15))
        #expect(error(#"{"a": 1, "A": 2}"#) == nil)
        #expect(error(#"[{"a": 1}, {"a": 2}]"#) == nil)
    }

    @Test func rejectsAMemberNamedTwiceAmongThousands() {
        let members = (0..<5_000).map { #""k\#($0)": \#($0)"# }
        let distinct = "{" + members.joined(separator: ",") + "}"
        guard case .object(let parsed)? = try? parse(distinct, maxDepth: 2) else {
            Issue.record("5 000 distinct members did not parse")
            return
        }
        #expect(parsed.count == 5_000)
        #expect(error("{" + members.joined(separator: ",") + #", "k4999": 0}"#) == .duplicateKey("k4999", offset: distinct.utf8.count + 1))
        #expect(error("{" + members.joined(separator: ",") + #", "k3": 0}"#)?.description.hasPrefix("member 'k3' appears twice") == true)
    }
}

private extension Result {
    var error: Failure? { if case .failure(let e) = self { e } else { nil } }
}
