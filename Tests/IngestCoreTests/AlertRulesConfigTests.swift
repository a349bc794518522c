import Testing
@testable import IngestCore

/// `alerts: rules:` in the config: every kind parses, and every mistake is reported with the
/// file, the line and the key.
@Suite struct AlertRulesConfigTests {
    static let file = "test.yaml"

    /// The rules the shipped config/ingestd.yaml holds.
    static let shipped = """
        alerts:
          rules:
            - {name: temperature_high, family: sensor, metric: temperature, kind: threshold, above: 90, clear_below: 85, severity: warning}
            - {name: temperature_critical, family: sensor, metric: temperature, kind: threshold, above: 100, clear_below: 95, for: 30s, severity: critical}
            - {name: pressure_rising_fast, family: sensor, metric: pressure, kind: rate, above: 5, clear_below: 2, severity: warning}
            - {name: offline, family: sensor, kind: stale, after: 60s, severity: warning}
            - {name: line_red, family: equipment_state, kind: state, state: red, severity: critical}
            - {name: stuck_yellow, family: equipment_state, kind: state, state: yellow, for: 10m, severity: warning}
            - {name: battery_overheat, family: battery, parameter: temperature, kind: threshold, above: 60, clear_below: 55, severity: critical}
            - {name: battery_low_soc, family: battery, parameter: soc, kind: threshold, below: 10, clear_above: 15, severity: warning}
            - {name: battery_worn, family: battery, parameter: soh, kind: threshold, below: 70, clear_above: 72, severity: info}
            - {name: value_anomaly, family: sensor, metric: "*", kind: anomaly, window: 5m, k: 4, clear_k: 3, min_samples: 30, severity: info}

        """

    func load(_ yaml: String) throws(ConfigErrors) -> IngestConfig {
        try ConfigLoader(environment: [:], readFile: { _ in nil }).load(yaml: yaml, file: Self.file)
    }

    /// The rules section with one rule per line, the first on line 3.
    func rules(_ lines: String...) -> String {
        "alerts:\n  rules:\n" + lines.map { "    - {\($0)}\n" }.joined()
    }

    /// Checks file, line, key and message of the one error loading `yaml` fails with.
    func expectError(_ yaml: String, line: Int, key: String, message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do throws(ConfigErrors) {
            _ = try load(yaml)
            Issue.record("the config loaded", sourceLocation: sourceLocation)
        } catch {
            #expect(error.errors.count == 1, "expected one error, got:\n\(error)", sourceLocation: sourceLocation)
            guard let error = error.errors.first else { return }
            #expect(error.file == Self.file, sourceLocation: sourceLocation)
            #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
            #expect(error.key == key, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(message), "\(error.message)", sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix("\(Self.file):\(line): key '\(key)': "), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("the shipped rules parse, every kind as written")
    func shippedRulesParse() throws {
        let rules = try load(Self.shipped).alertRules
        #expect(rules.map(\.name) == ["temperature_high", "temperature_critical", "pressure_rising_fast", "offline", "line_red",
                                      "stuck_yellow", "battery_overheat", "battery_low_soc", "battery_worn", "value_anomaly"])
        #expect(rules[0] == AlertRule(name: "temperature_high", severity: .warning, family: .sensor, metric: "temperature",
                                      condition: .threshold(AlertRule.Bound(above: true, raise: 90, clear: 85))))
        #expect(rules[1].condition == .threshold(AlertRule.Bound(above: true, raise: 100, clear: 95)))
        #expect(rules[1].lasting == .seconds(30) && rules[1].severity == .critical)
        #expect(rules[2].condition == .rate(AlertRule.Bound(above: true, raise: 5, clear: 2)) && rules[2].metric == "pressure")
        #expect(rules[3].condition == .stale(after: .seconds(60)) && rules[3].metric == nil && rules[3].lasting == nil)
        #expect(rules[4] == AlertRule(name: "line_red", severity: .critical, family: .equipmentState, condition: .state("red")))
        #expect(rules[5].condition == .state("yellow") && rules[5].lasting == .seconds(600))
        #expect(rules[6].family == .battery && rules[6].metric == "temperature")
        #expect(rules[7].condition == .threshold(AlertRule.Bound(above: false, raise: 10, clear: 15)) && rules[7].metric == "soc")
        #expect(rules[8].condition == .threshold(AlertRule.Bound(above: false, raise: 70, clear: 72)) && rules[8].severity == .info)
        #expect(rules[9].condition == .anomaly(window: .seconds(300), k: 4, clearK: 3, minSamples: 30))
        #expect(rules[9].metric == nil, "\"*\": every metric")
    }

    @Test("without an alerts section there are no rules")
    func noSectionNoRules() throws {
        #expect(try load("").alertRules.isEmpty)
    }

    @Test("a threshold without a clear level clears at its raise level; devices and route are kept")
    func defaultsAndFilters() throws {
        let rule = try #require(try load(rules(
            "name: oven, family: sensor, metric: temperature, kind: threshold, above: 200, devices: 'oven*', route: 'plant/{site}/{line}/sensor/{device}/{metric}'"
        )).alertRules.first)
        #expect(rule.condition == .threshold(AlertRule.Bound(above: true, raise: 200, clear: 200)))
        #expect(rule.devices == "oven*" && rule.route == "plant/{site}/{line}/sensor/{device}/{metric}")
        #expect(rule.severity == .warning)
    }

    @Test("a missing name, family or kind is reported on the rule's line")
    func missingRequiredKeys() {
        expectError(rules("family: sensor, kind: stale, after: 60s"), line: 3, key: "alerts.rules[0].name", message: "needs a name")
        expectError(rules("name: a, kind: stale, after: 60s", "name: b, kind: stale, after: 60s, family: sensor"), line: 3,
                    key: "alerts.rules[0].family", message: "needs a family")
        expectError(rules("name: a, family: sensor, kind: stale, after: 60s", "name: b, family: sensor, after: 60s"), line: 4,
                    key: "alerts.rules[1].kind", message: "needs a kind")
    }

    @Test("an unknown kind names the known ones")
    func unknownKind() {
        expectError(rules("name: a, family: sensor, kind: spike"), line: 3, key: "alerts.rules[0].kind",
                    message: "expected threshold, rate, stale, state or anomaly, got 'spike'")
    }

    @Test("a second rule of the same name is refused")
    func duplicateName() {
        expectError(rules("name: a, family: sensor, kind: stale, after: 60s", "name: a, family: sensor, kind: stale, after: 90s"),
                    line: 4, key: "alerts.rules[1].name", message: "another rule is already named 'a'")
    }

    @Test("clear_below above the raise level is refused on its own line")
    func clearLevelOnTheWrongSide() {
        let yaml = """
            alerts:
              rules:
                - name: t
                  family: sensor
                  kind: threshold
                  above: 90
                  clear_below: 95

            """
        expectError(yaml, line: 7, key: "alerts.rules[0].clear_below", message: "must not be above the raise level")
        expectError(rules("name: t, family: sensor, kind: threshold, below: 10, clear_above: 5"), line: 3,
                    key: "alerts.rules[0].clear_above", message: "must not be below the raise level")
    }

    @Test("both above and below is refused")
    func bothAboveAndBelow() {
        expectError(rules("name: t, family: sensor, kind: threshold, above: 90, below: 10"), line: 3,
                    key: "alerts.rules[0].below", message: "either above: or below:, not both")
    }

    @Test("parameter on a sensor rule, and a battery parameter that does not exist, are refused")
    func metricAndParameter() {
        expectError(rules("name: t, family: sensor, parameter: soc, kind: threshold, above: 1"), line: 3,
                    key: "alerts.rules[0].parameter", message: "a sensor rule names a metric")
        expectError(rules("name: t, family: battery, parameter: temp, kind: threshold, above: 1"), line: 3,
                    key: "alerts.rules[0].parameter", message: "expected one of voltage, current, temperature, soc, soh, got 'temp'")
        expectError(rules("name: t, family: battery, metric: soc, kind: threshold, above: 1"), line: 3,
                    key: "alerts.rules[0].metric", message: "a battery rule names a parameter")
    }

    @Test("a state that is not one of the configured states is refused")
    func unknownState() {
        expectError(rules("name: s, family: equipment_state, kind: state, state: purple"), line: 3,
                    key: "alerts.rules[0].state", message: "'purple' is not one of the equipment states (green, yellow, red)")
    }

    @Test("a route naming no configured route is refused")
    func unknownRoute() {
        expectError(rules("name: s, family: sensor, kind: stale, after: 60s, route: 'plant/x/#'"), line: 3,
                    key: "alerts.rules[0].route", message: "no route has the topic 'plant/x/#'")
    }

    @Test("for: on a stale rule is refused")
    func forOnAStaleRule() {
        expectError(rules("name: s, family: sensor, kind: stale, after: 60s, for: 10s"), line: 3,
                    key: "alerts.rules[0].for", message: "a stale rule waits by its after:")
    }

    @Test("a key of another kind is refused")
    func keyOfAnotherKind() {
        expectError(rules("name: s, family: sensor, kind: threshold, above: 1, after: 60s"), line: 3,
                    key: "alerts.rules[0].after", message: "after: does not apply to a threshold rule")
        expectError(rules("name: s, family: sensor, kind: stale, after: 60s, k: 4"), line: 3,
                    key: "alerts.rules[0].k", message: "k: does not apply to a stale rule")
        expectError(rules("name: s, family: equipment_state, kind: state, state: red, above: 1"), line: 3,
                    key: "alerts.rules[0].above", message: "above: does not apply to a state rule")
    }

    @Test("an unknown key gets a hint")
    func unknownKey() {
        expectError(rules("name: s, family: sensor, kind: stale, afterr: 60s"), line: 3,
                    key: "alerts.rules[0].afterr", message: "did you mean 'after'?")
    }
}
