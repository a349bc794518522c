import Yams

extension ConfigLoader {
    /// `aggregates:` — the tumbling windows, their grace and the families they cover.
    ///
    ///     aggregates:
    ///       enabled: true
    ///       windows: [10s, 1m]     # 1s to 1d each, whole seconds, dividing a day evenly
    ///       grace: 5s              # 0 to 1h
    ///       families: [sensor, battery]
    func aggregates(_ a: ConfigNode) throws(ConfigError) -> AggregateSettings {
        try a.rejectUnknownKeys(["enabled", "windows", "grace", "families"])
        var settings = AggregateSettings()
        settings.enabled = try a.bool("enabled") ?? settings.enabled
        if let items = try listItems(a, "windows") {
            guard !items.isEmpty else { throw a.error("windows", "expected at least one window, e.g. [10s, 1m]") }
            var windows: [Duration] = []
            for (text, line) in items {
                let window = try aggregateWindow(text, in: a, line: line)
                if let earlier = windows.firstIndex(of: window) {
                    throw itemError(a, "windows", line: line,
                                    "the window \(text) is already listed (as \(items[earlier].text)); each length may appear once")
                }
                windows.append(window)
            }
            settings.windows = windows
        }
        settings.grace = try a.duration("grace", in: .zero...Duration.seconds(3_600)) ?? settings.grace
        if let items = try listItems(a, "families") {
            guard !items.isEmpty else {
                throw a.error("families", "expected at least one of sensor, battery (or enabled: false)")
            }
            var families: [Family] = []
            for (text, line) in items {
                guard let family = Family(rawValue: text), family == .sensor || family == .battery else {
                    throw itemError(a, "families", line: line,
                                    "expected sensor or battery (the families that carry numbers), got '\(text)'")
                }
                if !families.contains(family) { families.append(family) }
            }
            settings.families = families
        }
        return settings
    }

    /// One window length: a duration of whole seconds from 1 s to 1 day that divides a day,
    /// since windows are aligned to the epoch (and so to midnight UTC).
    private func aggregateWindow(_ text: String, in a: ConfigNode, line: Int?) throws(ConfigError) -> Duration {
        guard let window = parseDuration(text) else {
            throw itemError(a, "windows", line: line, "expected a window length such as 10s, 1m or 1h, got '\(text)'")
        }
        guard window >= .seconds(1), window <= .seconds(86_400) else {
            throw itemError(a, "windows", line: line, "expected a window from 1s to 1d, got \(text)")
        }
        guard window.components.attoseconds == 0 else {
            throw itemError(a, "windows", line: line, "expected a whole number of seconds, got \(text)")
        }
        guard 86_400 % window.components.seconds == 0 else {
            throw itemError(a, "windows", line: line,
                            "a window of \(text) does not divide a day evenly; windows are aligned to midnight UTC, "
                                + "so choose one that does, e.g. 5s, 10s, 15s, 30s, 1m, 5m, 15m, 1h")
        }
        return window
    }

    /// The scalar items of a list with their lines; nil when the key is absent.
    private func listItems(_ a: ConfigNode, _ key: String) throws(ConfigError) -> [(text: String, line: Int?)]? {
        guard let node = a.value(key) else { return nil }
        guard case .sequence(let seq) = node else {
            throw a.error(key, "expected a list, e.g. [a, b], got \(ConfigNode.kind(node))")
        }
        var items: [(text: String, line: Int?)] = []
        for item in seq {
            guard case .scalar(let s) = item else {
                throw itemError(a, key, line: ConfigNode.line(item), "expected a list of plain values, got \(ConfigNode.kind(item)) in it")
            }
            items.append((s.string, ConfigNode.line(item)))
        }
        return items
    }

    /// An error at one item of the list under `key`: its own line (a block list spans lines).
    private func itemError(_ a: ConfigNode, _ key: String, line: Int?, _ message: String) -> ConfigError {
        ConfigError(file: a.file, line: line ?? a.error(key, message).line, key: a.qualified(key), message: message)
    }
}
