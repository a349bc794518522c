/// A topic pattern with named levels, e.g. `plant/{site}/{line}/sensor/{device}/{metric}`.
/// `{name}` matches one level and captures it, `+` matches one level, `#` (last only) matches
/// the rest. Its subscription filter replaces `{name}` with `+`.
public struct TopicPattern: Equatable, Sendable, CustomStringConvertible {
    enum Level: Equatable, Sendable {
        case literal(String)
        case capture(String)
        case single
        case rest
    }

    let levels: [Level]
    public let description: String
    /// Each literal level's bytes (empty for wildcards), for matching without Characters.
    private let literalBytes: [[UInt8]]

    public static func == (a: TopicPattern, b: TopicPattern) -> Bool { a.description == b.description }

    public init(_ text: String) throws(TopicPatternError) {
        guard !text.isEmpty else { throw TopicPatternError(pattern: text, reason: "the pattern is empty") }
        var levels: [Level] = []
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        for (i, part) in parts.enumerated() {
            if part == "#" {
                guard i == parts.count - 1 else {
                    throw TopicPatternError(pattern: text, reason: "'#' may only be the last level")
                }
                levels.append(.rest)
            } else if part == "+" {
                levels.append(.single)
            } else if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                let name = String(part.dropFirst().dropLast())
                guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw TopicPatternError(pattern: text, reason: "level name '\(name)' may hold only letters, digits and '_'")
                }
                if levels.contains(.capture(name)) {
                    throw TopicPatternError(pattern: text, reason: "level name '\(name)' appears twice")
                }
                levels.append(.capture(name))
            } else if part.contains("+") || part.contains("#") || part.contains("{") || part.contains("}") {
                throw TopicPatternError(pattern: text, reason: "level '\(part)' mixes a wildcard with text; use '+', '#' or '{name}' as a whole level")
            } else {
                levels.append(.literal(String(part)))
            }
        }
        self.levels = levels
        self.description = text
        literalBytes = levels.map { if case .literal(let s) = $0 { Array(s.utf8) } else { [] } }
    }

    /// For each capture, the field it fills (nil for names the decoders do not know), with
    /// `identityName` naming the family's identity level.
    func slots(identityName: String) -> [TopicFields.Slot?] {
        captureNames.map { TopicFields.Slot(name: $0, identityName: identityName) }
    }

    /// The MQTT subscription filter: `{name}` becomes `+`.
    public var subscriptionFilter: String {
        levels.map { level in
            switch level {
            case .literal(let s): s
            case .capture, .single: "+"
            case .rest: "#"
            }
        }.joined(separator: "/")
    }

    /// The names of the captured levels, in order.
    public var captureNames: [String] {
        levels.compactMap { if case .capture(let n) = $0 { n } else { nil } }
    }

    /// Matches a concrete topic; returns the captured levels by name, or nil.
    public func match(_ topic: String) -> [String: String]? {
        var captures: [String: String] = [:]
        let names = captureNames
        let matched = scan(topic) { index, value in captures[names[index]] = value }
        return matched ? captures : nil
    }

    /// Matches a concrete topic and fills the known fields; nil when it does not match.
    func matchFields(_ topic: String, slots: [TopicFields.Slot?]) -> TopicFields? {
        var fields = TopicFields()
        let matched = scan(topic) { index, value in
            if let slot = slots[index] { fields.set(slot, value) }
        }
        return matched ? fields : nil
    }

    /// Walks the topic's bytes level by level; calls `capture` with each captured level's
    /// index among the captures. MQTT levels are split on '/' bytes, so bytes suffice.
    private func scan(_ topic: String, capture: (Int, String) -> Void) -> Bool {
        var topic = topic
        return topic.withUTF8 { bytes -> Bool in
            var li = 0
            var captureIndex = 0
            var start = 0
            while true {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "/") { end += 1 }
                let atEnd = end == bytes.count
                guard li < levels.count else { return false }
                switch levels[li] {
                case .literal:
                    let literal = literalBytes[li]
                    guard end - start == literal.count else { return false }
                    for k in 0..<literal.count where bytes[start + k] != literal[k] { return false }
                case .capture:
                    guard end > start else { return false }
                    capture(captureIndex, String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                    captureIndex += 1
                case .single:
                    break
                case .rest:
                    return true
                }
                li += 1
                if atEnd {
                    // "a/#" also matches "a" (MQTT's rule).
                    return li == levels.count || (li == levels.count - 1 && levels[li] == .rest)
                }
                start = end + 1
            }
        }
    }
}

/// Why a route's topic pattern is not usable.
public struct TopicPatternError: Error, Equatable, Sendable, CustomStringConvertible {
    public let pattern: String
    public let reason: String
    public var description: String { "invalid topic pattern '\(pattern)': \(reason)" }
}
