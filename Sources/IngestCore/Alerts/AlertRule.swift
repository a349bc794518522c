/// One alert rule from the config: what it watches (family, metric, devices, route), when it
/// raises and when it clears, and how severe its alerts are.
public struct AlertRule: Sendable, Equatable {
    public enum Severity: String, Sendable, Equatable, CaseIterable {
        case info, warning, critical
    }

    /// A level with hysteresis: raise beyond `raise`, clear once back beyond `clear`.
    public struct Bound: Sendable, Equatable {
        /// True: raise above `raise`, clear below `clear`. False: raise below, clear above.
        public var above: Bool
        public var raise: Double
        public var clear: Double

        public init(above: Bool, raise: Double, clear: Double) {
            self.above = above
            self.raise = raise
            self.clear = clear
        }

        public func raises(_ v: Double) -> Bool { above ? v > raise : v < raise }
        public func clears(_ v: Double) -> Bool { above ? v < clear : v > clear }
    }

    public enum Condition: Sendable, Equatable {
        /// The value crosses a level.
        case threshold(Bound)
        /// The value changes faster than a level, in units per second, either way.
        case rate(Bound)
        /// No reading from the device (any metric) for this long: the device is offline.
        case stale(after: Duration)
        /// The equipment's current state is this one.
        case state(String)
        /// The value is more than `k` standard deviations from its series' mean over `window`
        /// (once `minSamples` are there); clears below `clearK`.
        case anomaly(window: Duration, k: Double, clearK: Double, minSamples: Int)

        /// The rule kind's name, as the config and the `alerts.kind` column spell it.
        public var kind: String {
            switch self {
            case .threshold: "threshold"
            case .rate: "rate"
            case .stale: "stale"
            case .state: "state"
            case .anomaly: "anomaly"
            }
        }

        /// Whether the rule watches a whole device rather than one metric.
        var isDeviceWide: Bool {
            switch self {
            case .stale, .state: true
            case .threshold, .rate, .anomaly: false
            }
        }
    }

    public var name: String
    public var severity: Severity
    public var family: Family
    /// The metric (sensor) or parameter (battery) watched; nil: every one.
    public var metric: String?
    /// A glob (`*`, `?`) on the device id; nil: every device.
    public var devices: String?
    /// Only what arrives on the route with this topic pattern; nil: every route of the family.
    public var route: String?
    public var condition: Condition
    /// The condition must hold this long (in reading time) before the alert is raised.
    public var lasting: Duration?

    public init(name: String, severity: Severity, family: Family, metric: String? = nil, devices: String? = nil,
                route: String? = nil, condition: Condition, lasting: Duration? = nil) {
        self.name = name
        self.severity = severity
        self.family = family
        self.metric = metric
        self.devices = devices
        self.route = route
        self.condition = condition
        self.lasting = lasting
    }

    /// Whether this rule watches the series (the route is checked by the engine).
    func watches(_ key: SeriesKey) -> Bool {
        guard key.family == family else { return false }
        if !condition.isDeviceWide, let metric, metric != key.metric { return false }
        if let devices, !Glob.matches(devices, key.device) { return false }
        return true
    }

    /// One line for `ingestd check-config`, e.g. "temperature_high: sensor temperature above
    /// 90, clears below 85 → warning".
    public var summary: String {
        var what = family.rawValue + (metric.map { " " + $0 } ?? (condition.isDeviceWide ? "" : " every metric"))
        if let devices { what += " of devices \(devices)" }
        if let route { what += " on \(route)" }
        let when: String
        switch condition {
        case .threshold(let b): when = "\(b.above ? "above" : "below") \(AlertEngine.number(b.raise)), clears \(b.above ? "below" : "above") \(AlertEngine.number(b.clear))"
        case .rate(let b): when = "changing \(b.above ? "faster" : "slower") than \(AlertEngine.number(b.raise))/s, clears \(b.above ? "below" : "above") \(AlertEngine.number(b.clear))/s"
        case .stale(let after): when = "silent for \(after)"
        case .state(let s): when = "state \(s)"
        case .anomaly(let window, let k, let clearK, let n): when = "more than \(AlertEngine.number(k)) σ from the \(window) mean (after \(n) samples), clears below \(AlertEngine.number(clearK)) σ"
        }
        return "\(name): \(what) \(when)\(lasting.map { " for \($0)" } ?? "") → \(severity.rawValue)"
    }

    /// Whether its alerts are per metric of a device without the rule naming the metric.
    public var watchesEveryMetric: Bool { metric == nil && !condition.isDeviceWide }

    /// The parameters a battery rule may watch.
    public static var batteryParameters: [String] { BatteryReading.parameters }
}

/// Shell-style patterns: `*` any run of characters, `?` one character.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                pi += 1
                ti += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
