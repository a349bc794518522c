/// Turns a machine-event payload into events: one JSON object or an array of them, with
/// `event_id`, `event_time`, `duration_ms`, `defect_count` (-1 = unknown, the default) and an
/// optional `received_time` (the gateway's stamp; ingestd's receipt when absent), bounded by
/// the receipt plus `validation.max_future` and the event_time minus `validation.max_age`.
/// The topic's `machine` level is the event's identity; the `site` and `line` the route
/// captures are the topic's too (a payload member that disagrees is `identity_mismatch`).
/// In an array every event gets its own
/// fate.
public struct MachineEventDecoder: FamilyCodec {
    public typealias Record = MachineEvent
    public static let identityField = "machine"
    public static let acceptsBareNumber = false

    public var limits: Limits
    public var settings: MachineEventSettings

    public init(limits: Limits, settings: MachineEventSettings = MachineEventSettings()) {
        self.limits = limits
        self.settings = settings
    }

    public func decodeRecord(_ members: [(String, JSONValue)], index: Int, fields: TopicFields, receivedAt: Timestamp,
                             into out: inout Decoded<MachineEvent>) {
        func fail(_ reason: RejectReason) { out.reject(index, reason) }
        var eventID: String?
        var machine: String?
        var site: String?
        var line: String?
        var eventTime: Timestamp?
        var duration: Int64?
        var defects: Int64?
        var receivedTime: Timestamp?
        for (key, v) in members {
            switch key {
            case "event_id":
                switch v {
                case .string(let s): eventID = s
                case .number, .integer:
                    // Its exact decimal text: two ids that differ beyond 2^53 stay two.
                    switch RecordField.integer(key, v) {
                    case .success(let n?): eventID = String(n)
                    case .success(nil): break
                    case .failure(.wrongType(_, "an integer", let got)):
                        return fail(.wrongType(field: key, expected: "a string or an integer", got: got))
                    case .failure(let reason): return fail(reason)
                    }
                default: return fail(.wrongType(field: key, expected: "a string or an integer", got: v.typeName))
                }
            case "event_time", "received_time":
                switch RecordField.timestamp(key, v) {
                case .success(let t): if key == "event_time" { eventTime = t } else { receivedTime = t }
                case .failure(let reason): return fail(reason)
                }
            case "duration_ms", "defect_count":
                switch RecordField.integer(key, v) {
                case .success(let n): if key == "duration_ms" { duration = n } else { defects = n }
                case .failure(let reason): return fail(reason)
                }
            case "machine", "site", "line":
                switch RecordField.string(key, v) {
                case .success(let s):
                    switch key {
                    case "machine": machine = s
                    case "site": site = s
                    default: line = s
                    }
                case .failure(let reason): return fail(reason)
                }
            default:
                continue
            }
        }
        switch RecordField.identity("machine", payload: machine, topic: fields.identity) {
        case .success(let m): machine = m
        case .failure(let reason): return fail(reason)
        }
        guard let machine else { return fail(.missingField("machine")) }
        if let reason = RecordField.topicLevel("site", &site, topic: fields.site)
            ?? RecordField.topicLevel("line", &line, topic: fields.line) {
            return fail(reason)
        }
        guard let eventID else { return fail(.missingField("event_id")) }
        guard let eventTime else { return fail(.missingField("event_time")) }
        guard let duration else { return fail(.missingField("duration_ms")) }
        if let receivedTime, let reason = Self.checkReceivedTime(receivedTime, eventTime: eventTime, receivedAt: receivedAt,
                                                                 limits: limits) {
            return fail(reason)
        }
        out.append(MachineEvent(eventID: eventID, machine: machine, site: site, line: line, eventTime: eventTime,
                                durationMs: duration, defectCount: defects ?? -1, receivedTime: receivedTime ?? receivedAt,
                                receivedAt: receivedAt),
                   index: index)
    }

    /// A payload's received_time orders the versions of its event, so it is bounded: not
    /// after the receipt plus `max_future` (one far-future stamp would make every later
    /// correction stale for good), not before the event_time minus `max_age`.
    static func checkReceivedTime(_ t: Timestamp, eventTime: Timestamp, receivedAt: Timestamp, limits: Limits) -> RejectReason? {
        let latest = receivedAt + limits.maxFutureSeconds
        if t > latest { return .receivedTimeOutOfBounds(t, bound: latest, limitSeconds: limits.maxFutureSeconds, early: false) }
        let earliest = eventTime - limits.maxAgeSeconds
        if t < earliest { return .receivedTimeOutOfBounds(t, bound: earliest, limitSeconds: limits.maxAgeSeconds, early: true) }
        return nil
    }

    public func validate(_ e: MachineEvent, now: Timestamp) -> RejectReason? {
        if let reason = FieldCheck.text("event_id", e.eventID, required: true, limits: limits) { return reason }
        if let reason = FieldCheck.text("machine", e.machine, required: true, topicLevel: true, limits: limits) { return reason }
        for (name, value) in [("site", e.site), ("line", e.line)] {
            if let reason = FieldCheck.text(name, value, required: false, topicLevel: true, limits: limits) { return reason }
        }
        if e.eventTime > now + settings.maxFutureSeconds {
            return .timestampInFuture(e.eventTime, limitSeconds: settings.maxFutureSeconds)
        }
        if e.durationMs < 0 || e.durationMs > settings.maxDurationMs {
            return .outOfRange(field: "duration_ms", value: Double(e.durationMs), range: 0...Double(settings.maxDurationMs))
        }
        if e.defectCount < -1 || e.defectCount > Int64(Int32.max) {
            return .outOfRange(field: "defect_count", value: Double(e.defectCount), range: -1...Double(Int32.max))
        }
        return nil
    }
}
