/// Turns a battery payload into wide records: a JSON object or an array of them, with `ts`,
/// `voltage`, `current`, `temperature`, `soc`, `soh`, `cycles`, `seq`; any other member is
/// kept in `extra`. The topic's `battery` level is the record's identity; a `site` the route
/// captures is the topic's too (a payload `site` that disagrees is `identity_mismatch`).
public struct BatteryDecoder: FamilyCodec {
    public typealias Record = BatteryReading
    public static let identityField = "battery"
    public static let acceptsBareNumber = false

    public var limits: Limits
    public var ranges: BatteryRanges

    public init(limits: Limits, ranges: BatteryRanges = BatteryRanges()) {
        self.limits = limits
        self.ranges = ranges
    }

    public func decodeRecord(_ members: [(String, JSONValue)], index: Int, fields: TopicFields, receivedAt: Timestamp,
                             into out: inout Decoded<BatteryReading>) {
        func fail(_ reason: RejectReason) { out.reject(index, reason) }
        var r = BatteryReading(ts: receivedAt, battery: "", site: nil, receivedAt: receivedAt)
        var payloadBattery: String?
        var extra: [(String, JSONValue)] = []
        for (key, v) in members {
            switch key {
            case "ts", "time", "timestamp":
                switch RecordField.timestamp(key, v) {
                case .success(let t): r.ts = t ?? receivedAt
                case .failure(let reason): return fail(reason)
                }
            case "battery", "site":
                switch RecordField.string(key, v) {
                case .success(let s): if key == "battery" { payloadBattery = s } else { r.site = s }
                case .failure(let reason): return fail(reason)
                }
            case "voltage", "current", "temperature", "soc", "soh":
                switch RecordField.number(key, v) {
                case .success(let n):
                    switch key {
                    case "voltage": r.voltage = n
                    case "current": r.current = n
                    case "temperature": r.temperature = n
                    case "soc": r.soc = n
                    default: r.soh = n
                    }
                case .failure(let reason): return fail(reason)
                }
            case "cycles", "seq":
                switch RecordField.integer(key, v) {
                case .success(let n): if key == "cycles" { r.cycles = n } else { r.seq = n }
                case .failure(let reason): return fail(reason)
                }
            default:
                extra.append((key, v))
            }
        }
        switch RecordField.identity("battery", payload: payloadBattery, topic: fields.identity) {
        case .success(let b?): r.battery = b
        case .success(nil): return fail(.missingField("battery"))
        case .failure(let reason): return fail(reason)
        }
        if let reason = RecordField.topicLevel("site", &r.site, topic: fields.site) { return fail(reason) }
        if !extra.isEmpty {
            // PostgreSQL jsonb cannot hold NUL (\u0000) in a key or a string.
            if Self.containsNUL(.object(extra)) { return fail(.nulCharacter(field: "extra")) }
            r.extra = JSONWriter.encode(.object(extra))
        }
        if r.voltage == nil && r.current == nil && r.temperature == nil && r.soc == nil && r.soh == nil
            && r.cycles == nil && r.extra == nil {
            return fail(.missingField("voltage, current, temperature, soc, soh or cycles"))
        }
        out.append(r, index: index)
    }

    static func containsNUL(_ v: JSONValue) -> Bool {
        switch v {
        case .string(let s): s.utf8.contains(0)
        case .array(let items): items.contains(where: containsNUL)
        case .object(let members): members.contains { $0.0.utf8.contains(0) || containsNUL($0.1) }
        default: false
        }
    }

    public func validate(_ r: BatteryReading, now: Timestamp) -> RejectReason? {
        if let reason = FieldCheck.text("battery", r.battery, required: true, topicLevel: true, limits: limits) { return reason }
        if let reason = FieldCheck.text("site", r.site, required: false, topicLevel: true, limits: limits) { return reason }
        if let reason = FieldCheck.number("voltage", r.voltage, in: ranges.voltage) { return reason }
        if let reason = FieldCheck.number("current", r.current, in: ranges.current) { return reason }
        if let reason = FieldCheck.number("temperature", r.temperature, in: ranges.temperature) { return reason }
        if let reason = FieldCheck.number("soc", r.soc, in: ranges.soc) { return reason }
        if let reason = FieldCheck.number("soh", r.soh, in: ranges.soh) { return reason }
        if let cycles = r.cycles, cycles < 0 { return .outOfRange(field: "cycles", value: Double(cycles), range: 0...Double(Int64.max)) }
        return FieldCheck.time(r.ts, now: now, limits: limits)
    }
}
