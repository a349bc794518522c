/// Checks a decoded reading against the limits: a finite value within `ranges`, non-empty and bounded strings,
/// a timestamp neither too far ahead nor too old.
public struct SensorValidator: Sendable {
    public var limits: Limits
    public var ranges: SensorRanges

    public init(limits: Limits, ranges: SensorRanges = SensorRanges()) {
        self.limits = limits
        self.ranges = ranges
    }

    public func validate(_ r: SensorReading, now: Timestamp) -> RejectReason? {
        if let reason = FieldCheck.number("value", r.value, in: ranges.value) { return reason }
        if let reason = FieldCheck.text("device", r.device, required: true, topicLevel: true, limits: limits) { return reason }
        if let reason = FieldCheck.text("metric", r.metric, required: true, topicLevel: true, limits: limits) { return reason }
        for (name, value) in [("unit", r.unit), ("quality", r.quality)] {
            if let reason = FieldCheck.text(name, value, required: false, limits: limits) { return reason }
        }
        for (name, value) in [("site", r.site), ("line", r.line)] {
            if let reason = FieldCheck.text(name, value, required: false, topicLevel: true, limits: limits) { return reason }
        }
        return FieldCheck.time(r.ts, now: now, limits: limits)
    }
}
