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
        var li = 0
        var remaining = topic[...]
        while true {
            let level: Substring
            let atEnd: Bool
            if let slash = remaining.firstIndex(of: "/") {
                level = remaining[..<slash]
                remaining = remaining[remaining.index(after: slash)...]
                atEnd = false
            } else {
                level = remaining
                atEnd = true
            }
            guard li < levels.count else { return nil }
            switch levels[li] {
            case .literal(let s): if level != s { return nil }
            case .capture(let name):
                if level.isEmpty { return nil }
                captures[name] = String(level)
            case .single: break
            case .rest: return captures
            }
            li += 1
            if atEnd {
                // "a/#" also matches "a" (MQTT's rule).
                if li == levels.count { return captures }
                if li == levels.count - 1, levels[li] == .rest { return captures }
                return nil
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
