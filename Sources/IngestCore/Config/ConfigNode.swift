import Yams

/// A YAML mapping being read into the config: knows its file and key path, remembers which
/// keys were read, and names the line of anything that is wrong.
///
/// Its readers report a problem to `problems` and return nil (or the default they were given),
/// so that the caller keeps its default and goes on to the next key.
struct ConfigNode {
    let file: String
    let path: String
    let node: Node
    let problems: ConfigProblems
    private(set) var pairs: [(key: String, value: Node)] = []
    /// The line of each key, by name.
    private var keyLines: [String: Int] = [:]

    /// The mapping at `path`; nil, with the problem reported, when `node` is not a mapping.
    /// A key that is not a plain string, or that appears twice, is reported and left out.
    init?(file: String, path: String, node: Node, problems: ConfigProblems) {
        self.file = file
        self.path = path
        self.node = node
        self.problems = problems
        guard case .mapping(let mapping) = node else {
            problems.report(ConfigError(file: file, line: Self.line(node), key: path,
                                        message: "expected a mapping of keys, got \(Self.kind(node))"))
            return nil
        }
        for (k, v) in mapping {
            guard let name = k.string else {
                problems.report(ConfigError(file: file, line: Self.line(k), key: path, message: "keys must be plain strings"))
                continue
            }
            if pairs.contains(where: { $0.key == name }) {
                problems.report(ConfigError(file: file, line: Self.line(k), key: qualified(name), message: "the key appears twice"))
                continue
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

    /// Reports a problem with the value of `key`, on its line.
    func report(_ key: String, _ message: String) {
        problems.report(error(key, message))
    }

    /// Reports a required key that is absent, on the mapping's line; not when a key of the
    /// mapping is a near miss of it, whose "did you mean" already says what is wrong.
    func reportMissing(_ key: String, _ message: String) {
        guard !pairs.contains(where: { $0.key != key && Self.isNearMiss($0.key, key) }) else { return }
        problems.report(ConfigError(file: file, line: Self.line(node), key: qualified(key), message: message))
    }

    /// Whether a problem was reported at `key` (or at this mapping or one holding it): its
    /// value is then a default, not what the file says.
    func failed(_ key: String) -> Bool {
        problems.any(at: qualified(key))
    }

    /// Reports every key not in `known`, suggesting the closest known one when it is a near miss.
    func rejectUnknownKeys(_ known: [String]) {
        for (key, value) in pairs where !known.contains(key) {
            let line = keyLines[key] ?? Self.line(value)
            let hint = known.min { editDistance($0, key) < editDistance($1, key) }
                .flatMap { Self.isNearMiss(key, $0) ? " (did you mean '\($0)'?)" : nil } ?? ""
            problems.report(ConfigError(file: file, line: line, key: qualified(key),
                                        message: "unknown key\(hint); known keys here: \(known.joined(separator: ", "))"))
        }
    }

    /// Whether `key` is a near miss of `known`: up to a third of the shorter word differs, at
    /// most 3 letters (so 'qos' is not taken for 'url', which differs in every letter).
    static func isNearMiss(_ key: String, _ known: String) -> Bool {
        editDistance(known, key) <= min(3, (min(known.count, key.count) + 2) / 3)
    }

    /// The mapping under `key`; nil when absent or, reported, when not a mapping.
    func section(_ key: String) -> ConfigNode? {
        guard let v = value(key) else { return nil }
        return ConfigNode(file: file, path: qualified(key), node: v, problems: problems)
    }

    func string(_ key: String) -> String? {
        guard let v = value(key) else { return nil }
        guard case .scalar(let s) = v else {
            report(key, "expected a string, got \(Self.kind(v))")
            return nil
        }
        return s.string
    }

    /// A string that must be there: an absent key is reported with `message`.
    func required(_ key: String, _ message: String) -> String? {
        guard value(key) != nil else {
            reportMissing(key, message)
            return nil
        }
        return string(key)
    }

    func int(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(key) else { return nil }
        guard let n = Int(text.replacingUnderscores) else { return fail(key, "expected a whole number, got '\(text)'") }
        guard range.contains(n) else { return fail(key, "expected a number from \(range.lowerBound) to \(range.upperBound), got \(n)") }
        return n
    }

    /// A finite number inside `range`; reported and nil otherwise. The shared check for a
    /// number key: any section with a bound calls this (or `int`, `duration`, `range`), so the
    /// value is range-checked before it is converted or multiplied.
    func number(_ key: String, in range: ClosedRange<Double>) -> Double? {
        guard let text = string(key) else { return nil }
        guard let v = Double(text.replacingUnderscores), v.isFinite else { return fail(key, "expected a number, got '\(text)'") }
        guard range.contains(v) else { return fail(key, "expected a number from \(range.lowerBound) to \(range.upperBound), got \(text)") }
        return v
    }

    func bool(_ key: String) -> Bool? {
        guard let text = string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return fail(key, "expected true or false, got '\(text)'")
        }
    }

    /// A duration such as `200ms`, `5s`, `15m`, `2h`, `7d`; a bare number is seconds.
    func duration(_ key: String, in range: ClosedRange<Duration>) -> Duration? {
        guard let text = string(key) else { return nil }
        guard let ms = parseDurationMilliseconds(text) else {
            return fail(key, "expected a duration such as 200ms, 5s, 15m, 2h or 7d, got '\(text)'")
        }
        guard let d = checkedMilliseconds(ms), range.contains(d) else {
            return fail(key, "expected a duration from \(range.lowerBound) to \(range.upperBound), got \(text)")
        }
        return d
    }

    /// A duration as `duration` reads it, or `off` (nil); `default` when the key is absent or
    /// its value is wrong (reported).
    func durationOrOff(_ key: String, in range: ClosedRange<Duration>, default value: Duration?) -> Duration? {
        guard let text = string(key) else { return value }
        if text.lowercased() == "off" { return nil }
        guard let ms = parseDurationMilliseconds(text) else {
            report(key, "expected off or a duration such as 12h, 7d or 30d, got '\(text)'")
            return value
        }
        guard let d = checkedMilliseconds(ms), range.contains(d) else {
            report(key, "expected off or a duration from \(range.lowerBound) to \(range.upperBound), got \(text)")
            return value
        }
        return d
    }

    /// A list of strings, e.g. `[green, yellow, red]`.
    func strings(_ key: String) -> [String]? {
        guard let v = value(key) else { return nil }
        guard case .sequence(let seq) = v else { return fail(key, "expected a list, e.g. [a, b], got \(Self.kind(v))") }
        var out: [String] = []
        for item in seq {
            guard case .scalar(let s) = item else { return fail(key, "expected a list of strings, got \(Self.kind(item)) in it") }
            out.append(s.string)
        }
        return out
    }

    /// A numeric range written as a two-element list `[low, high]`, both ends inside `limit`
    /// (`limitText` says which, and why, in the error).
    func range(_ key: String, within limit: ClosedRange<Double>? = nil, limitText: String = "") -> ClosedRange<Double>? {
        guard let items = strings(key) else { return nil }
        let numbers = items.compactMap { Double($0.replacingUnderscores) }
        guard items.count == 2, numbers.count == 2, numbers[0].isFinite, numbers[1].isFinite, numbers[0] <= numbers[1] else {
            return fail(key, "expected [low, high] with two numbers, low not above high, got [\(items.joined(separator: ", "))]")
        }
        if let limit, !limit.contains(numbers[0]) || !limit.contains(numbers[1]) {
            return fail(key, "expected [low, high] within \(limitText.isEmpty ? "\(limit.lowerBound) to \(limit.upperBound)" : limitText), got [\(items.joined(separator: ", "))]")
        }
        return numbers[0]...numbers[1]
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) -> T? where T.RawValue == String {
        guard let text = string(key) else { return nil }
        guard let v = T(rawValue: text) else {
            return fail(key, "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return v
    }

    /// Reports a problem with `key` and gives nil, for `guard … else { return fail(…) }`.
    func fail<T>(_ key: String, _ message: String) -> T? {
        report(key, message)
        return nil
    }
}

/// A duration such as `200ms`, `5s`, `15m`, `2h`, `7d` or a bare number of seconds; nil when
/// it is not one, or is longer than `maxConfigDuration` (checked before any conversion:
/// `1e300s` is refused, not a trap).
func parseDuration(_ text: String) -> Duration? {
    parseDurationMilliseconds(text).flatMap(checkedMilliseconds)
}

/// The milliseconds a duration's text says, as a Double (finite, not negative); nil when it
/// is not a duration. Not yet converted: see `checkedMilliseconds`.
func parseDurationMilliseconds(_ text: String) -> Double? {
    let t = text.trimmingASCIIWhitespace.replacingUnderscores
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
    var number = Substring(t), scale = 1.0
    for (suffix, unitScale) in units where t.hasSuffix(suffix) {
        // "ms" must not be read as "m" + "s"
        if suffix == "s", t.dropLast(1).hasSuffix("m") { continue }
        number = t.dropLast(suffix.count)
        scale = unitScale
        break
    }
    guard let v = Double(number.trimmingASCIIWhitespace), v.isFinite, v >= 0 else { return nil }
    let ms = v * scale * 1000
    return ms.isFinite ? ms : nil
}

/// The longest duration any config key may hold before its own range applies: 1,000 years,
/// far inside what Int64 milliseconds (and Duration arithmetic on them) can hold.
let maxConfigDuration: Duration = .seconds(1_000 * 366 * 86_400)

/// `ms` milliseconds as a Duration when it is finite, not negative and at most
/// `maxConfigDuration`; nil otherwise. The one place the loader turns a Double into an
/// integer duration: every check comes before the conversion, so no value can trap.
func checkedMilliseconds(_ ms: Double) -> Duration? {
    let limit = Double(maxConfigDuration.components.seconds) * 1000
    guard ms.isFinite, ms >= 0, ms <= limit, let whole = Int64(exactly: ms.rounded()) else { return nil }
    return .milliseconds(whole)
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
