import Yams

/// A YAML mapping being read into the config: knows its file and key path, remembers which
/// keys were read, and names the line of anything that is wrong.
struct ConfigNode {
    let file: String
    let path: String
    let node: Node
    private(set) var pairs: [(key: String, value: Node)] = []
    /// The line of each key, by name.
    private var keyLines: [String: Int] = [:]

    init(file: String, path: String, node: Node) throws(ConfigError) {
        self.file = file
        self.path = path
        self.node = node
        guard case .mapping(let mapping) = node else {
            throw ConfigError(file: file, line: Self.line(node), key: path, message: "expected a mapping of keys, got \(Self.kind(node))")
        }
        for (k, v) in mapping {
            guard let name = k.string else {
                throw ConfigError(file: file, line: Self.line(k), key: path, message: "keys must be plain strings")
            }
            if pairs.contains(where: { $0.key == name }) {
                throw ConfigError(file: file, line: Self.line(k), key: qualified(name), message: "the key appears twice")
            }
            pairs.append((name, v))
            keyLines[name] = Self.line(k)
        }
    }

    func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    static func line(_ node: Node) -> Int? { node.mark.map { $0.line } }

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    func value(_ key: String) -> Node? {
        guard let v = pairs.first(where: { $0.key == key })?.value else { return nil }
        if case .scalar(let s) = v, s.tag.description == Tag.Name.null.rawValue || (s.string.isEmpty && s.style == .plain) || s.string == "~" || s.string == "null" {
            return nil
        }
        return v
    }

    func error(_ key: String, _ message: String) -> ConfigError {
        let line = value(key).flatMap(Self.line) ?? pairs.first(where: { $0.key == key }).flatMap { Self.line($0.value) } ?? Self.line(node)
        return ConfigError(file: file, line: line, key: qualified(key), message: message)
    }

    /// Fails on any key not in `known`, suggesting the closest known one.
    func rejectUnknownKeys(_ known: [String]) throws(ConfigError) {
        for (key, value) in pairs where !known.contains(key) {
            let line = keyLines[key] ?? Self.line(value)
            // A near miss only: up to a third of the shorter word may differ (so 'qos' is not
            // taken for 'url', which differs in every letter).
            let hint = known.min { editDistance($0, key) < editDistance($1, key) }
                .flatMap { editDistance($0, key) <= min(3, (min($0.count, key.count) + 2) / 3) ? " (did you mean '\($0)'?)" : nil } ?? ""
            throw ConfigError(file: file, line: line, key: qualified(key),
                              message: "unknown key\(hint); known keys here: \(known.joined(separator: ", "))")
        }
    }

    func section(_ key: String) throws(ConfigError) -> ConfigNode? {
        guard let v = value(key) else { return nil }
        return try ConfigNode(file: file, path: qualified(key), node: v)
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .scalar(let s) = v else { throw error(key, "expected a string, got \(Self.kind(v))") }
        return s.string
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let text = try string(key) else { return nil }
        guard let n = Int(text.replacingUnderscores) else { throw error(key, "expected a whole number, got '\(text)'") }
        guard range.contains(n) else { throw error(key, "expected a number from \(range.lowerBound) to \(range.upperBound), got \(n)") }
        return n
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let text = try string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(key, "expected true or false, got '\(text)'")
        }
    }

    /// A duration such as `200ms`, `5s`, `15m`, `2h`, `7d`; a bare number is seconds.
    func duration(_ key: String, in range: ClosedRange<Duration>) throws(ConfigError) -> Duration? {
        guard let text = try string(key) else { return nil }
        guard let d = parseDuration(text) else {
            throw error(key, "expected a duration such as 200ms, 5s, 15m, 2h or 7d, got '\(text)'")
        }
        guard range.contains(d) else { throw error(key, "expected a duration from \(range.lowerBound) to \(range.upperBound), got \(text)") }
        return d
    }

    /// A duration as `duration` reads it, or `off` (nil); `default` when the key is absent.
    func durationOrOff(_ key: String, in range: ClosedRange<Duration>, default value: Duration?) throws(ConfigError) -> Duration? {
        guard let text = try string(key) else { return value }
        if text.lowercased() == "off" { return nil }
        guard let d = parseDuration(text) else {
            throw error(key, "expected off or a duration such as 12h, 7d or 30d, got '\(text)'")
        }
        guard range.contains(d) else { throw error(key, "expected off or a duration from \(range.lowerBound) to \(range.upperBound), got \(text)") }
        return d
    }

    /// A list of strings, e.g. `[green, yellow, red]`.
    func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let v = value(key) else { return nil }
        guard case .sequence(let seq) = v else { throw error(key, "expected a list, e.g. [a, b], got \(Self.kind(v))") }
        var out: [String] = []
        for item in seq {
            guard case .scalar(let s) = item else { throw error(key, "expected a list of strings, got \(Self.kind(item)) in it") }
            out.append(s.string)
        }
        return out
    }

    /// A numeric range written as a two-element list `[low, high]`.
    func range(_ key: String) throws(ConfigError) -> ClosedRange<Double>? {
        guard let items = try strings(key) else { return nil }
        let numbers = items.compactMap { Double($0.replacingUnderscores) }
        guard items.count == 2, numbers.count == 2, numbers[0].isFinite, numbers[1].isFinite, numbers[0] <= numbers[1] else {
            throw error(key, "expected [low, high] with two numbers, low not above high, got [\(items.joined(separator: ", "))]")
        }
        return numbers[0]...numbers[1]
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) throws(ConfigError) -> T? where T.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let v = T(rawValue: text) else {
            throw error(key, "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return v
    }
}

func parseDuration(_ text: String) -> Duration? {
    let t = text.trimmingASCIIWhitespace.replacingUnderscores
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
    for (suffix, scale) in units where t.hasSuffix(suffix) {
        let number = t.dropLast(suffix.count)
        // "ms" must not be read as "m" + "s"
        if suffix == "s", number.hasSuffix("m") { continue }
        guard let v = Double(number.trimmingASCIIWhitespace), v >= 0, v.isFinite else { return nil }
        return .milliseconds(Int64((v * scale * 1000).rounded()))
    }
    guard let v = Double(t), v >= 0, v.isFinite else { return nil }
    return .milliseconds(Int64((v * 1000).rounded()))
}

extension String {
    var replacingUnderscores: String { String(filter { $0 != "_" }) }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var prev = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let cur = row[j]
            row[j] = Swift.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
            prev = cur
        }
    }
    return row[b.count]
}
