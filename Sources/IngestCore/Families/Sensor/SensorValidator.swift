/// Checks a decoded reading against the limits: finite value, non-empty and bounded strings,
/// a timestamp neither too far ahead nor too old.
public struct SensorValidator: Sendable {
    public var limits: Limits

    public init(limits: Limits) { self.limits = limits }

    public func validate(_ r: SensorReading, now: Timestamp) -> RejectReason? {
        if let reason = FieldCheck.number("value", r.value) { return reason }
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
