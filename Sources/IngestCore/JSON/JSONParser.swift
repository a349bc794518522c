/// Why a payload is not acceptable JSON.
public enum JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    case unexpectedEnd
    case unexpectedByte(UInt8, offset: Int)
    case invalidNumber(offset: Int)
    case invalidEscape(offset: Int)
    case tooDeep(limit: Int)
    case trailingData(offset: Int)
    /// A string holds bytes that are not well-formed UTF-8, first at `offset`. `path` says
    /// which: member names joined by '.', array indices in brackets (`device`, `values.temp`,
    /// `[2].device`); when `inName`, the member name itself is the string, in the object at
    /// `path`.
    case invalidUTF8(offset: Int, path: String, inName: Bool)
    /// An object names a member twice (RFC 8259 leaves the meaning open; ingestd refuses it
    /// rather than pick one).
    case duplicateKey(String, offset: Int)

    /// The path of the string that is not UTF-8 as a field name: `device`, or `<name>`,
    /// `values.<name>` when a member name is.
    public var invalidUTF8Field: String? {
        guard case let .invalidUTF8(_, path, inName) = self else { return nil }
        return inName ? JSONError.join(path, "<name>") : path
    }

    /// `outer` followed by `inner`: `a.b`, `a[2]`, `[2].b`.
    static func join(_ outer: String, _ inner: String) -> String {
        if outer.isEmpty { return inner }
        if inner.isEmpty { return outer }
        return inner.hasPrefix("[") ? outer + inner : outer + "." + inner
    }

    public var description: String {
        switch self {
        case .unexpectedEnd: "unexpected end of input"
        case let .unexpectedByte(b, offset):
            (32..<127).contains(b) ? "unexpected '\(Character(Unicode.Scalar(b)))' at byte \(offset)"
                                   : "unexpected byte 0x\(String(b, radix: 16)) at byte \(offset)"
        case let .invalidNumber(offset): "invalid number at byte \(offset)"
        case let .invalidEscape(offset): "invalid escape sequence at byte \(offset)"
        case let .tooDeep(limit): "nested deeper than \(limit) levels"
        case let .trailingData(offset): "unexpected data after the JSON value at byte \(offset)"
        case let .duplicateKey(key, offset): "member '\(key.clippedForReason)' appears twice (again at byte \(offset))"
        case let .invalidUTF8(offset, path, inName):
            inName ? "a member name\(path.isEmpty ? "" : " in '\(path.clippedForReason)'") is not valid UTF-8 (byte \(offset))"
                   : "the string\(path.isEmpty ? "" : " at '\(path.clippedForReason)'") is not valid UTF-8 (byte \(offset))"
        }
    }
}

/// A strict RFC 8259 parser over bytes, with a nesting bound. Strings must be well-formed
/// UTF-8: bytes that are not are an error that names the string, never U+FFFD. No Foundation: it is on the hot
/// path of every message.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    public var maxDepth: Int

    public init(maxDepth: Int = 16) { self.maxDepth = maxDepth }

    public func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buf throws(JSONError) in
            var reader = Reader(bytes: buf, maxDepth: maxDepth)
            reader.skipWhitespace()
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            if reader.index < buf.count { throw .trailingData(offset: reader.index) }
            return value
        }
    }
}

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    @inline(__always) mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    @inline(__always) func peek() throws(JSONError) -> UInt8 {
        guard index < bytes.count else { throw .unexpectedEnd }
        return bytes[index]
    }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        let b = try peek()
        switch b {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw .unexpectedByte(b, offset: index)
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count else { throw .unexpectedEnd }
        let w = word.utf8Start
        for i in 0..<n where bytes[index + i] != w[i] {
            throw .unexpectedByte(bytes[index + i], offset: index + i)
        }
        index += n
    }

    mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        if depth > maxDepth { throw .tooDeep(limit: maxDepth) }
        index += 1
        var members: [(String, JSONValue)] = []
        var seen: Set<String> = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            let b = try peek()
            guard b == UInt8(ascii: "\"") else { throw .unexpectedByte(b, offset: index) }
            let keyOffset = index
            let key: String
            do {
                key = try string()
            } catch .invalidUTF8(let offset, _, _) {
                throw .invalidUTF8(offset: offset, path: "", inName: true)
            }
            skipWhitespace()
            let colon = try peek()
            guard colon == UInt8(ascii: ":") else { throw .unexpectedByte(colon, offset: index) }
            index += 1
            skipWhitespace()
            if Self.contains(key, in: members, seen: &seen) { throw .duplicateKey(key, offset: keyOffset) }
            do {
                members.append((key, try value(depth: depth)))
            } catch .invalidUTF8(let offset, let path, let inName) {
                // Said on the way out only: the path costs nothing while the bytes are good.
                throw .invalidUTF8(offset: offset, path: JSONError.join(key, path), inName: inName)
            }
            skipWhitespace()
            let next = try peek()
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "}") { return .object(members) }
            throw .unexpectedByte(next, offset: index - 1)
        }
    }

    /// Whether `key` names one of `members` already: a scan while the object is small (every
    /// payload's case), a set once it is not, so that a payload of thousands of members costs
    /// no more than linear time.
    static func contains(_ key: String, in members: [(String, JSONValue)], seen: inout Set<String>) -> Bool {
        let small = 16
        if members.count < small { return members.contains { $0.0 == key } }
        if seen.isEmpty { seen = Set(members.map(\.0)) }
        return !seen.insert(key).inserted
    }

    mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        if depth > maxDepth { throw .tooDeep(limit: maxDepth) }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            skipWhitespace()
            do {
                elements.append(try value(depth: depth))
            } catch .invalidUTF8(let offset, let path, let inName) {
                throw .invalidUTF8(offset: offset, path: JSONError.join("[\(elements.count)]", path), inName: inName)
            }
            skipWhitespace()
            let next = try peek()
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "]") { return .array(elements) }
            throw .unexpectedByte(next, offset: index - 1)
        }
    }

    mutating func string() throws(JSONError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw .unexpectedByte(b, offset: index) }
            if b >= 0x80 {
                // Checked here so that String(decoding:) below never has to repair anything.
                guard let n = UTF8Validation.sequenceLength(bytes, at: index) else {
                    throw .invalidUTF8(offset: index, path: "", inName: false)
                }
                index += n
                continue
            }
            index += 1
        }
        guard index < bytes.count else { throw .unexpectedEnd }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else { throw .unexpectedEnd }
                let e = bytes[index + 1]
                index += 2
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate must be followed by \u and a low surrogate.
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw .invalidEscape(offset: index)
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw .invalidEscape(offset: index - 6) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw .invalidEscape(offset: index - 6)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw .invalidEscape(offset: index - 6) }
                    out.append(contentsOf: UTF8.encode(u)!)
                default:
                    throw .invalidEscape(offset: index - 2)
                }
            default:
                if b < 0x20 { throw .unexpectedByte(b, offset: index) }
                if b >= 0x80 {
                    guard let n = UTF8Validation.sequenceLength(bytes, at: index) else {
                        throw .invalidUTF8(offset: index, path: "", inName: false)
                    }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<index + n]))
                    index += n
                    continue
                }
                out.append(b)
                index += 1
            }
        }
        throw .unexpectedEnd
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw .unexpectedEnd }
        var v: UInt32 = 0
        for i in 0..<4 {
            let c = bytes[index + i]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw .invalidEscape(offset: index + i)
            }
            v = v << 4 | d
        }
        index += 4
        return v
    }

    /// A number: `.integer` for an integer literal of 2^53 or more that fits Int64 (exact),
    /// `.number` otherwise.
    mutating func number() throws(JSONError) -> JSONValue {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var intDigits = 0
        guard index < bytes.count else { throw .unexpectedEnd }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            intDigits = 1
        } else {
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[index] - 48) }
                digits += 1
                intDigits += 1
                index += 1
            }
            guard intDigits > 0 else { throw .invalidNumber(offset: start) }
        }
        var fractionDigits = 0
        var hasFraction = false
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            hasFraction = true
            index += 1
            let fractionStart = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[index] - 48); fractionDigits += 1 }
                digits += 1
                index += 1
            }
            guard index > fractionStart else { throw .invalidNumber(offset: start) }
        }
        var hasExponent = false
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            hasExponent = true
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let expStart = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > expStart else { throw .invalidNumber(offset: start) }
        }
        // Clinger's fast path: an exact mantissa below 2^53 divided by an exact power of ten
        // is correctly rounded. Anything else goes through the standard library.
        if !hasExponent, digits <= 15, fractionDigits <= 22 {
            let v = Double(mantissa) / powersOfTen[fractionDigits]
            return .number(negative ? -v : v)
        }
        // 16 to 19 digits and nothing else: the mantissa is the exact value (below 10^19 < 2^64).
        if !hasExponent, !hasFraction, digits <= 19 {
            if !negative, mantissa <= UInt64(Int64.max) {
                return Self.integer(Int64(mantissa))
            }
            if negative, mantissa <= UInt64(Int64.max) + 1 {
                return Self.integer(mantissa == UInt64(Int64.max) + 1 ? Int64.min : -Int64(mantissa))
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let v = Double(text) else { throw .invalidNumber(offset: start) }
        return .number(v)
    }

    /// An exact integer: `.number` below 2^53 in magnitude (where no other integer rounds to
    /// the same Double), else `.integer`.
    private static func integer(_ i: Int64) -> JSONValue {
        i.magnitude < 1 << 53 ? .number(Double(i)) : .integer(i)
    }
}

private let powersOfTen: [Double] = (0...22).map { i in
    var p = 1.0
    for _ in 0..<i { p *= 10 }
    return p
}
