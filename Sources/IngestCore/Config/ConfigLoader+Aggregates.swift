import Yams

extension ConfigLoader {
    /// `aggregates:` — the tumbling windows, their grace and the families they cover.
    ///
    ///     aggregates:
    ///       enabled: true
    ///       windows: [10s, 1m]     # 1s to 1d each, whole seconds, dividing a day evenly
    ///       grace: 5s              # 0 to 1h
    ///       families: [sensor, battery]
    ///
    /// Every bad item of a list is reported; a list with one keeps the default.
    func aggregates(_ a: ConfigNode) -> AggregateSettings {
        a.rejectUnknownKeys(["enabled", "windows", "grace", "families"])
        var settings = AggregateSettings()
        settings.enabled = a.bool("enabled") ?? settings.enabled
        if let items = listItems(a, "windows") {
            let before = a.problems.found.count
            if items.isEmpty { a.report("windows", "expected at least one window, e.g. [10s, 1m]") }
            var windows: [Duration] = []
            for (text, line) in items {
                guard let window = aggregateWindow(text, in: a, line: line) else { continue }
                if let earlier = windows.firstIndex(of: window) {
                    reportItem(a, "windows", line: line,
                               "the window \(text) is already listed (as \(items[earlier].text)); each length may appear once")
                    continue
                }
                windows.append(window)
            }
            if a.problems.found.count == before { settings.windows = windows }
        }
        settings.grace = a.duration("grace", in: .zero...Duration.seconds(3_600)) ?? settings.grace
        if let items = listItems(a, "families") {
            let before = a.problems.found.count
            if items.isEmpty { a.report("families", "expected at least one of sensor, battery (or enabled: false)") }
            var families: [Family] = []
            for (text, line) in items {
                guard let family = Family(rawValue: text), family == .sensor || family == .battery else {
                    reportItem(a, "families", line: line,
                               "expected sensor or battery (the families that carry numbers), got '\(text)'")
                    continue
                }
                if !families.contains(family) { families.append(family) }
            }
            if a.problems.found.count == before { settings.families = families }
        }
        return settings
    }

    /// One window length: a duration of whole seconds from 1 s to 1 day that divides a day,
    /// since windows are aligned to the epoch (and so to midnight UTC). Nil, reported, otherwise.
    private func aggregateWindow(_ text: String, in a: ConfigNode, line: Int?) -> Duration? {
        let problem: String
        if let window = parseDuration(text) {
            if window < .seconds(1) || window > .seconds(86_400) {
                problem = "expected a window from 1s to 1d, got \(text)"
            } else if window.components.attoseconds != 0 {
                problem = "expected a whole number of seconds, got \(text)"
            } else if 86_400 % window.components.seconds != 0 {
                problem = "a window of \(text) does not divide a day evenly; windows are aligned to midnight UTC, "
                    + "so choose one that does, e.g. 5s, 10s, 15s, 30s, 1m, 5m, 15m, 1h"
            } else {
                return window
            }
        } else {
            problem = "expected a window length such as 10s, 1m or 1h, got '\(text)'"
        }
        reportItem(a, "windows", line: line, problem)
        return nil
    }

    /// The scalar items of a list with their lines; nil when the key is absent or, reported,
    /// when it is not a list of plain values.
    private func listItems(_ a: ConfigNode, _ key: String) -> [(text: String, line: Int?)]? {
        guard let node = a.value(key) else { return nil }
        guard case .sequence(let seq) = node else {
            return a.fail(key, "expected a list, e.g. [a, b], got \(ConfigNode.kind(node))")
        }
        var items: [(text: String, line: Int?)] = []
        for item in seq {
            guard case .scalar(let s) = item else {
                reportItem(a, key, line: ConfigNode.line(item), "expected a list of plain values, got \(ConfigNode.kind(item)) in it")
                return nil
            }
            items.append((s.string, ConfigNode.line(item)))
        }
        return items
    }

    /// Reports a problem at one item of the list under `key`: its own line (a block list spans lines).
    private func reportItem(_ a: ConfigNode, _ key: String, line: Int?, _ message: String) {
        a.problems.report(ConfigError(file: a.file, line: line ?? a.error(key, message).line, key: a.qualified(key), message: message))
    }
}
