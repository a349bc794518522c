/// Reads a YAML file's lines where the parser gives too little: to name the line and key
/// path of a repeated key, which Yams reports only by the position of its mapping.
struct YAMLText {
    let lines: [Substring]

    /// Lines split where the YAML parser (libyaml) breaks them: LF, CR, CR LF, NEL, LS and PS,
    /// so that its line numbers name the same lines.
    init(_ text: String) {
        lines = text.split(omittingEmptySubsequences: false) { c in
            c == "\n" || c == "\r" || c == "\r\n" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}"
        }
    }

    /// The line (1-based) of the second `name:` at one indentation from `mappingLine` on,
    /// with the dotted path of its parents.
    func repeatedKey(_ name: String, after mappingLine: Int) -> (line: Int, path: String)? {
        var seenAt: [Int: Int] = [:]  // indentation -> first line seen
        // Clamped: a line the parser names past the last one read here finds nothing, never traps.
        for i in min(max(0, mappingLine - 1), lines.count)..<lines.count {
            guard let (indent, key) = Self.key(lines[i]), key == name else { continue }
            if seenAt[indent] != nil { return (i + 1, path(to: i, indent: indent, key: key)) }
            seenAt[indent] = i
        }
        return nil
    }

    private func path(to index: Int, indent: Int, key: String) -> String {
        var parts = [key]
        var level = indent
        var i = index - 1
        while i >= 0 && level > 0 {
            if let (parentIndent, parent) = Self.key(lines[i]), parentIndent < level {
                parts.insert(parent, at: 0)
                level = parentIndent
            }
            i -= 1
        }
        return parts.joined(separator: ".")
    }

    /// The indentation and key of a `key: …` line (a leading "- " counts as indentation).
    private static func key(_ line: Substring) -> (Int, String)? {
        var indent = 0
        var rest = line[...]
        while let c = rest.first, c == " " || c == "-" { indent += 1; rest = rest.dropFirst() }
        guard let first = rest.first, first != "#", let colon = rest.firstIndex(of: ":") else { return nil }
        let key = rest[..<colon].trimmingASCIIWhitespace
        guard !key.isEmpty, !key.contains(" ") || key.hasPrefix("\"") else { return nil }
        return (indent, key)
    }
}
