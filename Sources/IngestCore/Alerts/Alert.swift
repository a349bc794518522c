/// One alert: a rule met by a series (or a whole device), from `raisedAt` until `clearedAt`.
/// Its identity is (rule, site, line, device, metric, raisedAt), and its times are reading
/// times, so a replay of the same readings raises the same alert.
public struct Alert: Sendable, Equatable {
    public var rule: String
    public var kind: String
    public var severity: AlertRule.Severity
    public var family: Family
    public var site: String?
    /// An equipment's line (its identity is site, line and equipment); nil otherwise.
    public var line: String?
    public var device: String
    /// "" for rules that watch a whole device.
    public var metric: String
    /// What raised it: the reading (threshold), the rate per second (rate), the seconds
    /// without data (stale), the z-score (anomaly); nil for a state.
    public var value: Double?
    /// The level it crossed: the threshold, the rate, the seconds, k; nil for a state.
    public var threshold: Double?
    public var raisedAt: Timestamp
    public var clearedAt: Timestamp?
    /// What cleared it, in the same terms as `value`.
    public var clearValue: Double?
    /// In words, e.g. "temperature 92.5 above 90".
    public var detail: String
    /// The rule watches every metric (parameter) of a device, so its retained topic names
    /// the metric too.
    public var eachMetric = false

    /// What the retained active topic's last level names: the rule, and the metric when the
    /// rule watches every metric.
    public var subject: String { eachMetric ? rule + "." + metric : rule }

    public init(rule: String, kind: String, severity: AlertRule.Severity, family: Family, site: String?, line: String? = nil,
                device: String, metric: String, value: Double?, threshold: Double?, raisedAt: Timestamp, clearedAt: Timestamp? = nil,
                clearValue: Double? = nil, detail: String) {
        self.rule = rule
        self.kind = kind
        self.severity = severity
        self.family = family
        self.site = site
        self.line = line
        self.device = device
        self.metric = metric
        self.value = value
        self.threshold = threshold
        self.raisedAt = raisedAt
        self.clearedAt = clearedAt
        self.clearValue = clearValue
        self.detail = detail
    }

    public var isOpen: Bool { clearedAt == nil }

    /// The series (or device) it belongs to, as the engine keys its tracks.
    public var seriesKey: SeriesKey { SeriesKey(family: family, site: site, line: line, device: device, metric: metric) }

    /// The JSON published on `{prefix}alerts/…` (and retained on the active topic while open).
    public var json: String {
        var w = JSONWriter()
        w.field("state", isOpen ? "raised" : "cleared")
        w.field("rule", rule)
        w.field("kind", kind)
        w.field("severity", severity.rawValue)
        w.field("family", family.rawValue)
        w.field("site", site)
        if let line { w.field("line", line) }
        w.field("device", device)
        if !metric.isEmpty { w.field("metric", metric) }
        w.field("value", value)
        w.field("threshold", threshold)
        w.field("raised_at", raisedAt)
        w.field("cleared_at", clearedAt)
        if let clearValue { w.field("clear_value", clearValue) }
        w.field("detail", detail)
        return w.finish()
    }
}

/// A change of an alert the engine decided: raised (open) or cleared (with its clear time).
/// The database decides whether it is new (a replay repeats changes already stored).
public struct AlertEvent: Sendable, Equatable {
    public var alert: Alert
    public var isRaise: Bool { alert.isOpen }

    public init(_ alert: Alert) { self.alert = alert }
}
