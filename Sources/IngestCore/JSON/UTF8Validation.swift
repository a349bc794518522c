/// Strict UTF-8 well-formedness (the Unicode standard's table 3-7): no overlong forms, no
/// surrogates, nothing above U+10FFFF, no truncated sequence. Bytes that fail are refused,
/// never replaced by U+FFFD: two names that differ only in invalid bytes must not become one.
enum UTF8Validation {
    /// The length of the well-formed sequence that starts at `index` (1 to 4), or nil when
    /// the bytes there are not one.
    @inline(__always)
    static func sequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        let b0 = bytes[index]
        if b0 < 0x80 { return 1 }
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F  // U+D800...U+DFFF are surrogates, not characters
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F  // nothing above U+10FFFF
        default: return nil  // a continuation byte, an overlong lead (C0, C1) or F5...FF
        }
        guard index + length <= bytes.count else { return nil }
        let b1 = bytes[index + 1]
        guard b1 >= low && b1 <= high else { return nil }
        var k = 2
        while k < length {
            guard bytes[index + k] & 0xC0 == 0x80 else { return nil }
            k += 1
        }
        return length
    }

    /// The offset of the first byte of `bytes` that does not begin a well-formed sequence, or
    /// nil when all of it is UTF-8.
    static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        while i < bytes.count {
            guard let n = sequenceLength(bytes, at: i) else { return i }
            i += n
        }
        return nil
    }

    /// Whether all of `bytes` is well-formed UTF-8.
    static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { firstInvalidOffset($0) == nil }
    }
}
