/// Checks a decoded reading against the limits: finite value, non-empty and bounded strings,
/// a timestamp neither too far ahead nor too old.
public struct SensorValidator: Sendable {
    public var limits: Limits

    public init(limits: Limits) { self.limits = limits }

    public func validate(_ r: SensorReading, now: Timestamp) -> RejectReason? {
        guard r.value.isFinite else { return .notFinite(field: "value") }
        if let reason = check("device", r.device, required: true) { return reason }
        if let reason = check("metric", r.metric, required: true) { return reason }
        for (name, value) in [("unit", r.unit), ("quality", r.quality), ("site", r.site), ("line", r.line)] {
            if let value, let reason = check(name, value, required: false) { return reason }
        }
        if r.ts > now + limits.maxFutureSeconds { return .timestampInFuture(r.ts, limitSeconds: limits.maxFutureSeconds) }
        if r.ts < now - limits.maxAgeSeconds { return .timestampTooOld(r.ts, limitSeconds: limits.maxAgeSeconds) }
        return nil
    }

    private func check(_ field: String, _ value: String, required: Bool) -> RejectReason? {
        if required && value.isEmpty { return .emptyString(field: field) }
        let n = value.utf8.count
        if n > limits.maxStringLength { return .stringTooLong(field: field, length: n, limit: limits.maxStringLength) }
        return value.utf8.contains(0) ? .nulCharacter(field: field) : nil
    }
}
