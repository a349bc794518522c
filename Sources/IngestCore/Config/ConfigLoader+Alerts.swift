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
    ///
    /// Each rule is checked whole; a rule with a problem is reported and left out, and the
    /// next one is checked. `routes` and `states` are nil when they could not be read whole:
    /// a rule is then not checked against them.
    func alertRules(_ section: ConfigNode, routes: [Route]?, states: [String]?) -> [AlertRule] {
        section.rejectUnknownKeys(["rules"])
        guard let list = section.value("rules") else { return [] }
        guard case .sequence(let items) = list else {
            section.report("rules", "expected a list of rules, got \(ConfigNode.kind(list))")
            return []
        }
        var rules: [AlertRule] = []
        var names: Set<String> = []
        for (i, item) in items.enumerated() {
            guard let r = ConfigNode(file: section.file, path: section.qualified("rules[\(i)]"), node: item, problems: section.problems) else {
                continue
            }
            if let rule = alertRule(r, routes: routes, states: states, names: &names) { rules.append(rule) }
        }
        return rules
    }

    /// One rule; nil when anything in it is wrong (every problem reported). Its name joins
    /// `names` even then, so that a second rule of that name is named as one.
    private func alertRule(_ r: ConfigNode, routes: [Route]?, states: [String]?, names: inout Set<String>) -> AlertRule? {
        let before = r.problems.found.count
        r.rejectUnknownKeys(["name", "family", "metric", "parameter", "devices", "route", "severity", "kind", "above", "below",
                             "clear_below", "clear_above", "for", "after", "state", "window", "k", "clear_k", "min_samples"])
        var name = r.required("name", "every rule needs a name, e.g. temperature_high")
        if name?.isEmpty == true {
            r.reportMissing("name", "every rule needs a name, e.g. temperature_high")
            name = nil
        }
        if let n = name, !n.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0) })
            || !n.unicodeScalars.allSatisfy(\.isASCII) {
            r.report("name", "a rule name may hold only letters, digits, '_', '-' and '.' (it is a topic level), got '\(n)'")
            name = nil
        }
        let family = r.required("family", "every rule needs a family: sensor, battery or equipment_state").flatMap { text -> Family? in
            guard let family = Family(rawValue: text), family != .machineEvent else {
                return r.fail("family", "expected sensor, battery or equipment_state, got '\(text)'")
            }
            return family
        }
        let kindName = r.required("kind", "every rule needs a kind: threshold, rate, stale, state or anomaly")
        let severity = r.choice("severity", AlertRule.Severity.self) ?? .warning
        let metric = family.flatMap { watched(r, family: $0) }
        let devices = r.string("devices")
        if devices?.isEmpty == true { r.report("devices", "expected a device pattern such as 'oven*'") }
        let route = r.string("route")
        if let route, let routes, !routes.contains(where: { $0.pattern.description == route }) {
            r.report("route", "no route has the topic '\(route)'; routes: \(routes.map(\.pattern.description).joined(separator: ", "))")
        }
        let lasting = r.duration("for", in: .seconds(1)...Duration.seconds(30 * 86_400))

        var condition: AlertRule.Condition?
        switch kindName {
        case nil:
            break
        case "threshold", "rate":
            if family == .equipmentState {
                r.report("kind", "an equipment state has no value; use kind: state")
            } else {
                condition = bound(r).map { kindName == "threshold" ? .threshold($0) : .rate($0) }
            }
        case "stale":
            if r.value("after") == nil {
                r.reportMissing("after", "a stale rule needs after: how long without data means offline, e.g. 60s")
            }
            if r.value("for") != nil { r.report("for", "a stale rule waits by its after:, not for:") }
            condition = r.duration("after", in: .seconds(1)...Duration.seconds(30 * 86_400)).map { .stale(after: $0) }
        case "state":
            if let family, family != .equipmentState { r.report("kind", "kind: state is for the equipment_state family") }
            if let state = r.required("state", "a state rule needs the state it watches, e.g. red") {
                if let states, !states.contains(state) {
                    r.report("state", "'\(state)' is not one of the equipment states (\(states.joined(separator: ", ")))")
                }
                condition = .state(state)
            }
        case "anomaly":
            if family == .equipmentState { r.report("kind", "an equipment state has no value to be anomalous") }
            let window = r.duration("window", in: .seconds(1)...Duration.seconds(7 * 86_400)) ?? .seconds(300)
            let k = number(r, "k", in: 0.5...100) ?? 4
            let clearK = number(r, "clear_k", in: 0...100) ?? min(3, k)
            if clearK > k, !r.failed("k"), !r.failed("clear_k") {
                r.report("clear_k", "clear_k (\(clearK)) must not be above k (\(k)), or the alert would never stay raised")
            }
            let minSamples = r.int("min_samples", in: 3...100_000) ?? 30
            condition = .anomaly(window: window, k: k, clearK: clearK, minSamples: minSamples)
        case let other?:
            r.report("kind", "expected threshold, rate, stale, state or anomaly, got '\(other)'")
        }
        if let kindName, Self.kinds.contains(kindName) {
            for key in Self.keysOfKinds where !Self.keys(of: kindName).contains(key) && r.value(key) != nil {
                r.report(key, "\(key): does not apply to a \(kindName) rule")
            }
        }
        if let name {
            if names.contains(name) { r.report("name", "another rule is already named '\(name)'; names must be unique") }
            names.insert(name)
        }
        guard let name, let family, let condition, r.problems.found.count == before else { return nil }
        return AlertRule(name: name, severity: severity, family: family, metric: metric, devices: devices, route: route,
                         condition: condition, lasting: lasting)
    }

    private static let kinds = ["threshold", "rate", "stale", "state", "anomaly"]

    private static let keysOfKinds = ["above", "below", "clear_below", "clear_above", "after", "state", "window", "k", "clear_k", "min_samples"]

    private static func keys(of kind: String) -> [String] {
        switch kind {
        case "threshold", "rate": ["above", "below", "clear_below", "clear_above"]
        case "stale": ["after"]
        case "state": ["state"]
        default: ["window", "k", "clear_k", "min_samples"]
        }
    }

    /// The metric (sensor) or parameter (battery) a rule watches; nil for every one (or, with
    /// the problem reported, when it is wrong).
    private func watched(_ r: ConfigNode, family: Family) -> String? {
        switch family {
        case .sensor:
            if r.value("parameter") != nil { r.report("parameter", "a sensor rule names a metric: (parameter: is for battery rules)") }
            let metric = r.string("metric")
            return metric == "*" ? nil : metric
        case .battery:
            if r.value("metric") != nil { r.report("metric", "a battery rule names a parameter: (\(AlertRule.batteryParameters.joined(separator: ", ")))") }
            guard let p = r.string("parameter"), p != "*" else { return nil }
            guard AlertRule.batteryParameters.contains(p) else {
                return r.fail("parameter", "expected one of \(AlertRule.batteryParameters.joined(separator: ", ")), got '\(p)'")
            }
            return p
        default:
            for key in ["metric", "parameter"] where r.value(key) != nil {
                r.report(key, "an \(family.rawValue) rule watches the whole equipment: no \(key):")
            }
            return nil
        }
    }

    /// `above: 90` with `clear_below: 85`, or `below: 10` with `clear_above: 15`; without a
    /// clear level the alert clears once the value is back on the other side of the raise level.
    private func bound(_ r: ConfigNode) -> AlertRule.Bound? {
        // By presence, not by what was read: an `above:` that is not a number is one problem,
        // not also a missing bound.
        let above = number(r, "above", in: -1e300...1e300)
        let below = number(r, "below", in: -1e300...1e300)
        switch (r.value("above") != nil, r.value("below") != nil) {
        case (true, false):
            if r.value("clear_above") != nil { r.report("clear_above", "a rule raised above a level clears below one: clear_below:") }
            guard let raise = above else { return nil }
            let clear = number(r, "clear_below", in: -1e300...1e300) ?? raise
            guard clear <= raise else { return r.fail("clear_below", "clear_below (\(clear)) must not be above the raise level above: \(raise)") }
            return AlertRule.Bound(above: true, raise: raise, clear: clear)
        case (false, true):
            if r.value("clear_below") != nil { r.report("clear_below", "a rule raised below a level clears above one: clear_above:") }
            guard let raise = below else { return nil }
            let clear = number(r, "clear_above", in: -1e300...1e300) ?? raise
            guard clear >= raise else { return r.fail("clear_above", "clear_above (\(clear)) must not be below the raise level below: \(raise)") }
            return AlertRule.Bound(above: false, raise: raise, clear: clear)
        case (true, true):
            return r.fail("below", "a rule has either above: or below:, not both (write two rules)")
        case (false, false):
            r.reportMissing("above", "a threshold or rate rule needs above: or below:")
            return nil
        }
    }

    private func number(_ r: ConfigNode, _ key: String, in range: ClosedRange<Double>) -> Double? {
        r.number(key, in: range)
    }
}
