/// Turns an equipment-state payload into changes: a JSON object (or an array of them) with
/// `state`, `changed_at` (the tablet's clock), `worker`, `source` (the tablet) and `seq`.
/// The topic's `equipment` level is the change's identity, and the `site` and `line` the route
/// captures are the topic's too (a payload member that disagrees is `identity_mismatch`):
/// (site, line, equipment) names one piece of equipment.
public struct EquipmentStateDecoder: FamilyCodec {
    public typealias Record = EquipmentStateChange
    public static let identityField = "equipment"
    public static let acceptsBareNumber = false

    public var limits: Limits
    public var settings: EquipmentStateSettings

    public init(limits: Limits, settings: EquipmentStateSettings = EquipmentStateSettings()) {
        self.limits = limits
        self.settings = settings
    }

    public func decodeRecord(_ members: [(String, JSONValue)], index: Int, fields: TopicFields, receivedAt: Timestamp,
                             into out: inout Decoded<EquipmentStateChange>) {
        func fail(_ reason: RejectReason) { out.reject(index, reason) }
        var equipment: String?
        var changedAt: Timestamp?
        var source: String?
        var state: String?
        var worker: String?
        var seq: Int64?
        var site: String?
        var line: String?
        for (key, v) in members {
            switch key {
            case "changed_at":
                switch RecordField.timestamp(key, v) {
                case .success(let t): changedAt = t
                case .failure(let reason): return fail(reason)
                }
            case "equipment", "source", "state", "worker", "site", "line":
                switch RecordField.string(key, v) {
                case .success(let s):
                    switch key {
                    case "equipment": equipment = s
                    case "source": source = s
                    case "state": state = s
                    case "worker": worker = s
                    case "site": site = s
                    default: line = s
                    }
                case .failure(let reason): return fail(reason)
                }
            case "seq":
                switch RecordField.integer(key, v) {
                case .success(let n): seq = n
                case .failure(let reason): return fail(reason)
                }
            default:
                continue
            }
        }
        switch RecordField.identity("equipment", payload: equipment, topic: fields.identity) {
        case .success(let e): equipment = e
        case .failure(let reason): return fail(reason)
        }
        guard let equipment else { return fail(.missingField("equipment")) }
        if let reason = RecordField.topicLevel("site", &site, topic: fields.site)
            ?? RecordField.topicLevel("line", &line, topic: fields.line) {
            return fail(reason)
        }
        guard let state else { return fail(.missingField("state")) }
        guard let changedAt else { return fail(.missingField("changed_at")) }
        guard let source else { return fail(.missingField("source")) }
        out.append(EquipmentStateChange(equipment: equipment, changedAt: changedAt, source: source, state: state,
                                        worker: worker, seq: seq, site: site, line: line, receivedAt: receivedAt),
                   index: index)
    }

    public func validate(_ c: EquipmentStateChange, now: Timestamp) -> RejectReason? {
        for (name, value, required, level) in [("equipment", c.equipment, true, true), ("source", c.source, true, false),
                                               ("state", c.state, true, false), ("worker", c.worker, false, false),
                                               ("site", c.site, false, true), ("line", c.line, false, true)]
            as [(String, String?, Bool, Bool)] {
            if let reason = FieldCheck.text(name, value, required: required, topicLevel: level, limits: limits) { return reason }
        }
        guard settings.states.contains(c.state) else { return .unknownState(c.state, known: settings.states) }
        if let known = settings.knownEquipment, !known.contains(c.equipment) { return .unknownEquipment(c.equipment) }
        return FieldCheck.time(c.changedAt, now: now, limits: limits)
    }
}
