import Yams

extension ConfigLoader {
    /// `alerts: rules:` — each rule with a name, a family, what it watches and its condition:
    ///
    ///     - name: temperature_high         # unique; a topic level of the retained active alert
    ///       family: sensor                 # sensor, battery or equipment_state
    ///       metric: temperature            # sensor metric ("*" or absent: every one)
    ///       parameter: temperature         # battery: voltage, current, temperature, soc, soh
    ///       devices: "oven*"               # a glob on the device id (optional)
    ///       route: plant/{site}/…          # only this route's messages (optional)
    ///       severity: warning              # info, warning or critical
    ///       kind: threshold                # threshold, rate, stale, state, anomaly
    ///       above: 90                      # or below:, with clear_below: / clear_above:
    ///       for: 30s                       # the condition must last this long (optional)
    func alertRules(_ section: ConfigNode, routes: [Route], states: [String]) throws(ConfigError) -> [AlertRule] {
        try section.rejectUnknownKeys(["rules"])
        guard let list = section.value("rules") else { return [] }
        guard case .sequence(let items) = list else { throw section.error("rules", "expected a list of rules, got \(ConfigNode.kind(list))") }
        var rules: [AlertRule] = []
        for (i, item) in items.enumerated() {
            let r = try ConfigNode(file: section.file, path: section.qualified("rules[\(i)]"), node: item)
            let rule = try alertRule(r, routes: routes, states: states)
            if rules.contains(where: { $0.name == rule.name }) {
                throw r.error("name", "another rule is already named '\(rule.name)'; names must be unique")
            }
            rules.append(rule)
        }
        return rules
    }

    private func alertRule(_ r: ConfigNode, routes: [Route], states: [String]) throws(ConfigError) -> AlertRule {
        try r.rejectUnknownKeys(["name", "family", "metric", "parameter", "devices", "route", "severity", "kind", "above", "below",
                                 "clear_below", "clear_above", "for", "after", "state", "window", "k", "clear_k", "min_samples"])
        guard let name = try r.string("name"), !name.isEmpty else { throw r.missing("name", "every rule needs a name, e.g. temperature_high") }
        guard name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0) }),
              name.unicodeScalars.allSatisfy(\.isASCII) else {
            throw r.error("name", "a rule name may hold only letters, digits, '_', '-' and '.' (it is a topic level), got '\(name)'")
        }
        guard let familyName = try r.string("family") else { throw r.missing("family", "every rule needs a family: sensor, battery or equipment_state") }
        guard let family = Family(rawValue: familyName), family != .machineEvent else {
            throw r.error("family", "expected sensor, battery or equipment_state, got '\(familyName)'")
        }
        guard let kindName = try r.string("kind") else { throw r.missing("kind", "every rule needs a kind: threshold, rate, stale, state or anomaly") }
        let severity = try r.choice("severity", AlertRule.Severity.self) ?? .warning
        let metric = try watched(r, family: family)
        let devices = try r.string("devices")
        if devices?.isEmpty == true { throw r.error("devices", "expected a device pattern such as 'oven*'") }
        let route = try r.string("route")
        if let route, !routes.contains(where: { $0.pattern.description == route }) {
            throw r.error("route", "no route has the topic '\(route)'; routes: \(routes.map(\.pattern.description).joined(separator: ", "))")
        }
        let lasting = try r.duration("for", in: .seconds(1)...Duration.seconds(30 * 86_400))

        let condition: AlertRule.Condition
        switch kindName {
        case "threshold", "rate":
            guard family != .equipmentState else { throw r.error("kind", "an equipment state has no value; use kind: state") }
            let bound = try self.bound(r)
            condition = kindName == "threshold" ? .threshold(bound) : .rate(bound)
        case "stale":
            guard let after = try r.duration("after", in: .seconds(1)...Duration.seconds(30 * 86_400)) else {
                throw r.missing("after", "a stale rule needs after: how long without data means offline, e.g. 60s")
            }
            if lasting != nil { throw r.error("for", "a stale rule waits by its after:, not for:") }
            condition = .stale(after: after)
        case "state":
            guard family == .equipmentState else { throw r.error("kind", "kind: state is for the equipment_state family") }
            guard let state = try r.string("state") else { throw r.missing("state", "a state rule needs the state it watches, e.g. red") }
            guard states.contains(state) else {
                throw r.error("state", "'\(state)' is not one of the equipment states (\(states.joined(separator: ", ")))")
            }
            condition = .state(state)
        case "anomaly":
            guard family != .equipmentState else { throw r.error("kind", "an equipment state has no value to be anomalous") }
            let window = try r.duration("window", in: .seconds(1)...Duration.seconds(7 * 86_400)) ?? .seconds(300)
            let k = try number(r, "k", in: 0.5...100) ?? 4
            let clearK = try number(r, "clear_k", in: 0...100) ?? min(3, k)
            guard clearK <= k else { throw r.error("clear_k", "clear_k (\(clearK)) must not be above k (\(k)), or the alert would never stay raised") }
            let minSamples = try r.int("min_samples", in: 3...100_000) ?? 30
            condition = .anomaly(window: window, k: k, clearK: clearK, minSamples: minSamples)
        default:
            throw r.error("kind", "expected threshold, rate, stale, state or anomaly, got '\(kindName)'")
        }
        for key in Self.keysOfKinds where !Self.keys(of: condition.kind).contains(key) && r.value(key) != nil {
            throw r.error(key, "\(key): does not apply to a \(condition.kind) rule")
        }
        return AlertRule(name: name, severity: severity, family: family, metric: metric, devices: devices, route: route,
                         condition: condition, lasting: lasting)
    }

    private static let keysOfKinds = ["above", "below", "clear_below", "clear_above", "after", "state", "window", "k", "clear_k", "min_samples"]

    private static func keys(of kind: String) -> [String] {
        switch kind {
        case "threshold", "rate": ["above", "below", "clear_below", "clear_above"]
        case "stale": ["after"]
        case "state": ["state"]
        default: ["window", "k", "clear_k", "min_samples"]
        }
    }

    /// The metric (sensor) or parameter (battery) a rule watches; nil for every one.
    private func watched(_ r: ConfigNode, family: Family) throws(ConfigError) -> String? {
        switch family {
        case .sensor:
            if r.value("parameter") != nil { throw r.error("parameter", "a sensor rule names a metric: (parameter: is for battery rules)") }
            let metric = try r.string("metric")
            return metric == "*" ? nil : metric
        case .battery:
            if r.value("metric") != nil { throw r.error("metric", "a battery rule names a parameter: (\(AlertRule.batteryParameters.joined(separator: ", ")))") }
            guard let p = try r.string("parameter"), p != "*" else { return nil }
            guard AlertRule.batteryParameters.contains(p) else {
                throw r.error("parameter", "expected one of \(AlertRule.batteryParameters.joined(separator: ", ")), got '\(p)'")
            }
            return p
        default:
            for key in ["metric", "parameter"] where r.value(key) != nil {
                throw r.error(key, "an \(family.rawValue) rule watches the whole equipment: no \(key):")
            }
            return nil
        }
    }

    /// `above: 90` with `clear_below: 85`, or `below: 10` with `clear_above: 15`; without a
    /// clear level the alert clears once the value is back on the other side of the raise level.
    private func bound(_ r: ConfigNode) throws(ConfigError) -> AlertRule.Bound {
        let above = try number(r, "above", in: -1e300...1e300)
        let below = try number(r, "below", in: -1e300...1e300)
        switch (above, below) {
        case (let raise?, nil):
            if r.value("clear_above") != nil { throw r.error("clear_above", "a rule raised above a level clears below one: clear_below:") }
            let clear = try number(r, "clear_below", in: -1e300...1e300) ?? raise
            guard clear <= raise else { throw r.error("clear_below", "clear_below (\(clear)) must not be above the raise level above: \(raise)") }
            return AlertRule.Bound(above: true, raise: raise, clear: clear)
        case (nil, let raise?):
            if r.value("clear_below") != nil { throw r.error("clear_below", "a rule raised below a level clears above one: clear_above:") }
            let clear = try number(r, "clear_above", in: -1e300...1e300) ?? raise
            guard clear >= raise else { throw r.error("clear_above", "clear_above (\(clear)) must not be below the raise level below: \(raise)") }
            return AlertRule.Bound(above: false, raise: raise, clear: clear)
        case (.some, .some):
            throw r.error("below", "a rule has either above: or below:, not both (write two rules)")
        case (nil, nil):
            throw r.missing("above", "a threshold or rate rule needs above: or below:")
        }
    }

    private func number(_ r: ConfigNode, _ key: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let text = try r.string(key) else { return nil }
        guard let v = Double(text.replacingUnderscores), v.isFinite else { throw r.error(key, "expected a number, got '\(text)'") }
        guard range.contains(v) else { throw r.error(key, "expected a number from \(range.lowerBound) to \(range.upperBound), got \(text)") }
        return v
    }
}

extension ConfigNode {
    /// A required key that is absent: the error names the mapping's line.
    func missing(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, line: Self.line(node), key: qualified(key), message: message)
    }
}
