extension StringProtocol {
    /// Without leading and trailing spaces, tabs, CR and LF. Works on bytes: "\r\n" is one
    /// Character in Swift and would match neither "\r" nor "\n".
    var trimmingASCIIWhitespace: String {
        let bytes = utf8
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        // StringProtocol's UTF-8 view only walks forward: remember the last non-space byte.
        var last = first
        var i = first
        while i != bytes.endIndex {
            if !isSpace(bytes[i]) { last = i }
            bytes.formIndex(after: &i)
        }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
