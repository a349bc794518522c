/// Turns a sensor payload into readings: a JSON object, an array of objects (a batch), or a
/// bare number. Fields the payload leaves out come from the topic's named levels. A record
/// may also carry `values: {metric: number, …}`, one reading per member.
public struct SensorDecoder: Sendable {
    public var limits: Limits

    public init(limits: Limits) { self.limits = limits }

    /// What one message became: accepted readings and per-record rejections, or a rejection
    /// of the whole message.
    public struct Output: Equatable, Sendable {
        public var readings: [SensorReading] = []
        /// For each reading, the index of the record it came from (a `values` record yields several).
        public var recordIndices: [Int] = []
        /// (record index, reason) of each record that could not be decoded.
        public var rejections: [(Int, RejectReason)] = []
        /// How many records the payload held (1 for an object or a number).
        public var recordCount = 0

        public static func == (a: Output, b: Output) -> Bool {
            a.readings == b.readings && a.rejections.count == b.rejections.count
                && zip(a.rejections, b.rejections).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        }
    }

    public func decode(_ payload: [UInt8], format: PayloadFormat, topicFields: [String: String],
                       receivedAt: Timestamp) -> Result<Output, RejectReason> {
        decode(payload, format: format, fields: TopicFields(topicFields), receivedAt: receivedAt)
    }

    public func decode(_ payload: [UInt8], format: PayloadFormat, fields topicFields: TopicFields,
                       receivedAt: Timestamp) -> Result<Output, RejectReason> {
        if payload.count > limits.maxPayloadBytes {
            return .failure(.payloadTooLarge(size: payload.count, limit: limits.maxPayloadBytes))
        }
        let json: JSONValue
        switch format {
        case .number:
            guard let v = Self.bareNumber(payload) else { return .failure(.notANumber) }
            json = .number(v)
        case .json:
            do {
                json = try JSONParser(maxDepth: limits.maxJSONDepth).parse(payload)
            } catch {
                return .failure(.malformedJSON(error))
            }
        }
        var out = Output()
        out.recordCount = 1
        switch json {
        case .number(let v):
            decodeRecord([("value", .number(v))], index: 0, topicFields: topicFields, receivedAt: receivedAt, into: &out)
        case .object(let members):
            decodeRecord(members, index: 0, topicFields: topicFields, receivedAt: receivedAt, into: &out)
        case .array(let elements):
            if elements.isEmpty { return .failure(.emptyBatch) }
            if elements.count > limits.maxBatchLength {
                return .failure(.batchTooLong(count: elements.count, limit: limits.maxBatchLength))
            }
            out.readings.reserveCapacity(elements.count)
            out.recordCount = elements.count
            for (i, element) in elements.enumerated() {
                guard case .object(let members) = element else {
                    out.rejections.append((i, .notAnObject(got: element.typeName)))
                    continue
                }
                decodeRecord(members, index: i, topicFields: topicFields, receivedAt: receivedAt, into: &out)
            }
        default:
            return .failure(.notAnObject(got: json.typeName))
        }
        return .success(out)
    }

    private func decodeRecord(_ members: [(String, JSONValue)], index: Int, topicFields: TopicFields,
                              receivedAt: Timestamp, into out: inout Output) {
        var ts: Timestamp?
        var device = topicFields.device
        var metric = topicFields.metric
        var value: Double?
        var values: [(String, JSONValue)]?
        var unit = topicFields.unit
        var quality: String?
        var seq: Int64?
        var site = topicFields.site
        var line = topicFields.line

        func fail(_ reason: RejectReason) { out.rejections.append((index, reason)) }

        for (key, v) in members {
            switch key {
            case "ts", "time", "timestamp":
                switch v {
                case .number(let n):
                    guard let t = Timestamp(epoch: n) else { return fail(.badTimestamp(String(n))) }
                    ts = t
                case .string(let s):
                    guard let t = Timestamp(rfc3339: s) else { return fail(.badTimestamp(s)) }
                    ts = t
                case .null: break
                default: return fail(.wrongType(field: key, expected: "an RFC 3339 string or epoch number", got: v.typeName))
                }
            case "value":
                guard case .number(let n) = v else {
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
                case .number(let n) where key == "quality": s = n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
                case .null: s = nil
                default: return fail(.wrongType(field: key, expected: "a string", got: v.typeName))
                }
                switch key {
                case "device": device = s ?? device
                case "metric": metric = s ?? metric
                case "unit": unit = s
                case "quality": quality = s
                case "site": site = s ?? site
                default: line = s ?? line
                }
            case "seq":
                switch v {
                case .number(let n) where n == n.rounded() && abs(n) < 9.2e18: seq = Int64(n)
                case .null: seq = nil
                default: return fail(.wrongType(field: "seq", expected: "an integer", got: v.typeName))
                }
            default:
                continue  // unknown keys are ignored, so devices can send more than we store
            }
        }
        guard let device else { return fail(.missingField("device")) }
        let timestamp = ts ?? receivedAt
        // A record is accepted or rejected whole: collect its readings before adding any.
        var readings: [SensorReading] = []
        if let values {
            for (name, mv) in values {
                guard case .number(let n) = mv else {
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
        out.readings.append(contentsOf: readings)
        out.recordIndices.append(contentsOf: repeatElement(index, count: readings.count))
    }

    /// A payload that is a number as text, with optional surrounding white space.
    static func bareNumber(_ payload: [UInt8]) -> Double? {
        let text = String(decoding: payload, as: UTF8.self).trimmingASCIIWhitespace
        guard !text.isEmpty, let v = Double(text) else { return nil }
        return v
    }
}
