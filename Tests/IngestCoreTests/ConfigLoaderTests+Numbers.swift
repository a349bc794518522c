import Foundation
import Testing
@testable import IngestCore

/// Every number and duration the loader reads is range-checked before it is converted: a
/// huge, negative, infinite or NaN-ish value is an error with file, line and key, never a
/// trap (`validation.max_future: 1e300s` used to stop `ingestd check-config` with SIGILL).
extension ConfigLoaderTests {
    enum Kind: Sendable { case duration, int, number, range }

    /// Every numeric key: its section path, the key, what it holds, and how a rule or list
    /// wraps it (`@` where the value goes) when it is not a plain `key: value`.
    struct NumericKey: Sendable, CustomTestStringConvertible {
        let section: String
        let key: String
        let kind: Kind
        var template: String? = nil
        var testDescription: String { section.isEmpty ? key : "\(section).\(key)" }
    }

    static let rule = "alerts:\n  rules:\n    - {name: r1, family: sensor, metric: temp, "
    static let numericKeys: [NumericKey] = [
        NumericKey(section: "mqtt", key: "keepalive", kind: .duration),
        NumericKey(section: "mqtt", key: "reconnect_min", kind: .duration),
        NumericKey(section: "mqtt", key: "reconnect_max", kind: .duration),
        NumericKey(section: "mqtt", key: "queue_capacity", kind: .int),
        NumericKey(section: "storage", key: "chunk_interval", kind: .duration),
        NumericKey(section: "storage", key: "partitions_ahead_days", kind: .int),
        NumericKey(section: "storage", key: "rollup_refresh", kind: .duration),
        NumericKey(section: "storage", key: "compress_after", kind: .duration),
        NumericKey(section: "storage", key: "retention", kind: .duration),
        NumericKey(section: "writer", key: "batch_size", kind: .int),
        NumericKey(section: "writer", key: "max_age", kind: .duration),
        NumericKey(section: "writer", key: "retry_min", kind: .duration),
        NumericKey(section: "writer", key: "retry_max", kind: .duration),
        NumericKey(section: "validation", key: "max_payload_bytes", kind: .int),
        NumericKey(section: "validation", key: "max_batch_length", kind: .int),
        NumericKey(section: "validation", key: "max_string_length", kind: .int),
        NumericKey(section: "validation", key: "max_json_depth", kind: .int),
        NumericKey(section: "validation", key: "max_future", kind: .duration),
        NumericKey(section: "validation", key: "max_age", kind: .duration),
        NumericKey(section: "validation", key: "dead_letter_payload_bytes", kind: .int),
        NumericKey(section: "families.sensor", key: "value", kind: .range),
        NumericKey(section: "families.battery", key: "soc", kind: .range),
        NumericKey(section: "families.battery", key: "soh", kind: .range),
        NumericKey(section: "families.battery", key: "temperature", kind: .range),
        NumericKey(section: "families.battery", key: "voltage", kind: .range),
        NumericKey(section: "families.battery", key: "current", kind: .range),
        NumericKey(section: "families.machine_event", key: "max_duration", kind: .duration),
        NumericKey(section: "families.machine_event", key: "max_future", kind: .duration),
        NumericKey(section: "dedup", key: "window_keys", kind: .int),
        NumericKey(section: "journal", key: "fsync", kind: .duration),
        NumericKey(section: "journal", key: "segment_bytes", kind: .int),
        NumericKey(section: "journal", key: "max_bytes", kind: .int),
        NumericKey(section: "", key: "stop_timeout", kind: .duration),
        NumericKey(section: "aggregates", key: "grace", kind: .duration),
        NumericKey(section: "aggregates", key: "windows", kind: .duration, template: "aggregates:\n  windows: [@]\n"),
        NumericKey(section: "alerts", key: "above", kind: .number, template: rule + "kind: threshold, above: @}\n"),
        NumericKey(section: "alerts", key: "clear_below", kind: .number, template: rule + "kind: threshold, above: 1, clear_below: @}\n"),
        NumericKey(section: "alerts", key: "for", kind: .duration, template: rule + "kind: threshold, above: 1, for: @}\n"),
        NumericKey(section: "alerts", key: "after", kind: .duration, template: rule + "kind: stale, after: @}\n"),
        NumericKey(section: "alerts", key: "window", kind: .duration, template: rule + "kind: anomaly, window: @}\n"),
        NumericKey(section: "alerts", key: "k", kind: .number, template: rule + "kind: anomaly, k: @}\n"),
        NumericKey(section: "alerts", key: "min_samples", kind: .int, template: rule + "kind: anomaly, min_samples: @}\n"),
    ]

    /// Values no key takes, by what the key holds.
    static func hostileValues(_ kind: Kind) -> [String] {
        switch kind {
        case .duration: ["1e300s", "1e300", "1e300d", "-1s", "-1e300ms", ".nan", "nan", "inf", "-.inf", "9223372036854775808ms",
                         "1e19", "99999999999999999999d", "1.7976931348623157e308h"]
        case .int: ["9223372036854775808", "-9223372036854775809", "1e19", "1e300", "-1e300", ".nan", ".inf", "99999999999999999999", "-1"]
        case .number: ["1e301", "-1e999", ".nan", "nan", ".inf", "-inf", "1.8e308"]
        case .range: ["[0, 1e300]", "[-1e999, 0]", "[.nan, 1]", "[0, nan]", "[-inf, inf]", "[1e101, 1e102]", "[1, 0]"]
        }
    }

    /// The YAML that sets `key` to `value` in its section.
    static func yaml(_ k: NumericKey, _ value: String) -> String {
        if let template = k.template { return template.replacingOccurrences(of: "@", with: value) }
        var text = "", indent = ""
        for part in k.section.split(separator: ".") {
            text += "\(indent)\(part):\n"
            indent += "  "
        }
        return text + "\(indent)\(k.key): \(value)\n"
    }

    @Test("a huge, negative, infinite or NaN value of any numeric key is an error naming its key and line, never a trap",
          arguments: numericKeys)
    func everyNumericKeyRefusesHostileValues(_ k: NumericKey) {
        for value in Self.hostileValues(k.kind) {
            let text = Self.yaml(k, value)
            guard let errors = loadErrors(text) else { continue }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let line = (lines.firstIndex { $0.contains(value) } ?? 0) + 1
            #expect(errors.contains { $0.key.hasSuffix(k.key) && $0.line == line && $0.file == Self.file },
                    "\(k.testDescription): \(value): \(ConfigErrors(errors))")
        }
    }

    @Test func maxFutureOf1e300sIsAnErrorNotATrap() {
        expectError("validation:\n  max_future: 1e300s\n", line: 2, key: "validation.max_future", message: "expected a duration from")
    }

    @Test func everyHostileValueInOneFileIsReportedInFileOrder() {
        let text = "validation:\n  max_future: 1e300s\n  max_age: -5s\nwriter:\n  batch_size: 1e19\nstop_timeout: .nan\n"
        let errors = loadErrors(text) ?? []
        #expect(errors.map(\.key) == ["validation.max_future", "validation.max_age", "writer.batch_size", "stop_timeout"])
        #expect(errors.map(\.line) == [2, 3, 5, 6])
    }

    @Test(arguments: ["1e300s", "1e300", "-1s", ".nan", "1e19"])
    func aDurationPastWhatTheLoaderHoldsIsNotADuration(text: String) {
        #expect(parseDuration(text) == nil)
    }

    @Test func theLongestDurationTheLoaderHoldsIsExact() {
        #expect(parseDuration("366000d") == maxConfigDuration)
        #expect(parseDuration("366001d") == nil)
        #expect(checkedMilliseconds(.greatestFiniteMagnitude) == nil)
        #expect(checkedMilliseconds(1.5) == .milliseconds(2))
    }
}

/// The loader's own reading of the text (the line of a repeated key) splits lines as the YAML
/// parser does: found by `scripts/fuzz config`, a file with CR line breaks and a repeated key
/// trapped on a range past the last line.
extension ConfigLoaderTests {
    @Test(arguments: ["\r", "\r\n", "\n", "\u{85}", "\u{2028}"])
    func aRepeatedKeyIsNamedWhateverTheLineBreaks(newline: String) {
        let text = ["mqtt:", "  keepalive: 30s", "  keepalive: 40s", ""].joined(separator: newline)
        guard let e = loadError(text) else { return }
        #expect(e.message.contains("appears twice"), "\(e)")
        #expect(e.line == 3, "\(e)")
    }

    @Test func theFuzzersCrashingInputIsAnError() throws {
        let seed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/Corpus/config/cr-line-breaks-repeated-key")
        let text = String(decoding: try Data(contentsOf: seed), as: UTF8.self)
        #expect(loadErrors(text)?.isEmpty == false)
    }
}
