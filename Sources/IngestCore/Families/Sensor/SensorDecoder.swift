/// Turns a sensor payload into readings: a JSON object, an array of objects (a batch), or a
/// bare number. Fields the payload leaves out come from the topic's named levels; the topic's
/// `device` level is the reading's identity, and every other level the route captures
/// (`site`, `line`, `metric`, `unit`) is the topic's too: a payload member that disagrees is
/// `identity_mismatch`. A record may also carry `values: {metric: number, …}`, one reading
/// per member (its names are the metrics, whatever the topic's `metric` level says).
public struct SensorDecoder: FamilyCodec {
    public typealias Record = SensorReading
    public typealias Output = Decoded<SensorReading>
    public static let identityField = "device"
    public static let acceptsBareNumber = true

    public var limits: Limits
    private let validator: SensorValidator

    public init(limits: Limits, ranges: SensorRanges = SensorRanges()) {
        self.limits = limits
        validator = SensorValidator(limits: limits, ranges: ranges)
    }

    public func decode(_ payload: [UInt8], format: PayloadFormat, topicFields: [String: String],
                       receivedAt: Timestamp) -> Result<Output, RejectReason> {
        decode(payload, format: format, fields: TopicFields(topicFields), receivedAt: receivedAt, limits: limits)
    }

    public func validate(_ record: SensorReading, now: Timestamp) -> RejectReason? {
        validator.validate(record, now: now)
    }

    public func decodeRecord(_ members: [(String, JSONValue)], index: Int, fields topicFields: TopicFields,
                             receivedAt: Timestamp, into out: inout Output) {
        var ts: Timestamp?
        var device: String?
        var metric: String?
        var value: Double?
        var values: [(String, JSONValue)]?
        var unit: String?
        var quality: String?
        var seq: Int64?
        var site: String?
        var line: String?

        func fail(_ reason: RejectReason) { out.reject(index, reason) }

        for (key, v) in members {
            switch key {
            case "ts", "time", "timestamp":
                switch RecordField.timestamp(key, v) {
                case .success(let t): ts = t
                case .failure(let reason): return fail(reason)
                }
            case "value":
                guard let n = v.numberValue else {
                    return fail(.wrongType(field: "value", expected: "a number", got: v.typeName))
                }
                value = n
            case "values":
                guard case .object(let m) = v else {
                    return fail(.wrongType(field: "values", expected: "an object of metric: number", got: v.typeName))
                }
                values = m
            case "device", "metric", "unit", "quality", "site", "line":
                let s: String?
                switch v {
                case .string(let text): s = text
                case .number(let n) where key == "quality": s = n.shortText
                case .integer(let i) where key == "quality": s = String(i)
                case .null: s = nil
                default: return fail(.wrongType(field: key, expected: "a string", got: v.typeName))
                }
                switch key {
                case "device": device = s
                case "metric": metric = s
                case "unit": unit = s
                case "quality": quality = s
                case "site": site = s
                default: line = s
                }
            case "seq":
                switch RecordField.integer(key, v) {
                case .success(let n): seq = n
                case .failure(let reason): return fail(reason)
                }
            default:
                continue  // unknown keys are ignored, so devices can send more than we store
            }
        }
        let identity: String?
        switch RecordField.identity("device", payload: device, topic: topicFields.identity) {
        case .success(let d): identity = d
        case .failure(let reason): return fail(reason)
        }
        guard let device = identity else { return fail(.missingField("device")) }
        if let reason = RecordField.topicLevel("site", &site, topic: topicFields.site)
            ?? RecordField.topicLevel("line", &line, topic: topicFields.line)
            ?? RecordField.topicLevel("metric", &metric, topic: topicFields.metric)
            ?? RecordField.topicLevel("unit", &unit, topic: topicFields.unit) {
            return fail(reason)
        }
        let timestamp = ts ?? receivedAt
        // A record is accepted or rejected whole: collect its readings before adding any.
        var readings: [SensorReading] = []
        if let values {
            for (name, mv) in values {
                guard let n = mv.numberValue else {
                    return fail(.wrongType(field: "values.\(name)", expected: "a number", got: mv.typeName))
                }
                readings.append(SensorReading(ts: timestamp, device: device, metric: name, value: n, unit: unit,
                                              quality: quality, seq: seq, site: site, line: line, receivedAt: receivedAt))
            }
        }
        if values == nil || value != nil {
            guard let metric else { return fail(.missingField("metric")) }
            guard let value else { return fail(.missingField("value")) }
            readings.append(SensorReading(ts: timestamp, device: device, metric: metric, value: value, unit: unit,
                                          quality: quality, seq: seq, site: site, line: line, receivedAt: receivedAt))
        }
        for r in readings { out.append(r, index: index) }
    }
}

extension Decoded: Equatable {
    public static func == (a: Decoded, b: Decoded) -> Bool {
        a.records == b.records && a.rejections.count == b.rejections.count
            && zip(a.rejections, b.rejections).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}

extension Decoded where Record == SensorReading {
    /// The readings, by their old name.
    public var readings: [SensorReading] { records }
}
