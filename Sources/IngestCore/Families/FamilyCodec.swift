/// How one family's payloads become records, and which records are acceptable. One codec per
/// family, in its folder under `Families/`; `Family` (the registry) names them.
public protocol FamilyCodec: Sendable {
    associatedtype Record: FamilyRecord

    /// The topic level that names the device this family's records belong to (`device`,
    /// `battery`, `equipment`, `machine`). A payload field of that name must agree with it.
    static var identityField: String { get }
    /// Whether a route of this family may use `format: number` (a bare number as text).
    static var acceptsBareNumber: Bool { get }

    /// Decodes the JSON object of one record (`index` in its payload) into `out`.
    func decodeRecord(_ members: [(String, JSONValue)], index: Int, fields: TopicFields, receivedAt: Timestamp,
                      into out: inout Decoded<Record>)
    /// Why a decoded record is not acceptable, or nil.
    func validate(_ record: Record, now: Timestamp) -> RejectReason?
}

/// What one payload decoded into: records and per-record rejections.
public struct Decoded<Record: FamilyRecord>: Sendable {
    public var records: [Record] = []
    /// For each record, the index of the payload record it came from (a sensor `values`
    /// record yields several).
    public var recordIndices: [Int] = []
    /// (record index, reason) of each payload record that could not be decoded.
    public var rejections: [(Int, RejectReason)] = []
    /// How many records the payload held (1 for an object or a number).
    public var recordCount = 0

    public init() {}

    public mutating func append(_ record: Record, index: Int) {
        records.append(record)
        recordIndices.append(index)
    }

    public mutating func reject(_ index: Int, _ reason: RejectReason) {
        rejections.append((index, reason))
    }
}

extension FamilyCodec {
    /// Decodes a whole payload: a JSON object, an array of objects (a batch), or — where the
    /// family accepts it — a bare number. Bounds are checked before anything is copied. A
    /// string that is not UTF-8, in the payload or in a topic level that fills a field, refuses
    /// the whole payload (`invalid_utf8`).
    public func decode(_ payload: [UInt8], format: PayloadFormat, fields: TopicFields, receivedAt: Timestamp,
                       limits: Limits) -> Result<Decoded<Record>, RejectReason> {
        if payload.count > limits.maxPayloadBytes {
            return .failure(.payloadTooLarge(size: payload.count, limit: limits.maxPayloadBytes))
        }
        if let field = fields.replacedField(identityName: Self.identityField) {
            return .failure(.invalidUTF8InTopic(field: field))
        }
        let json: JSONValue
        switch format {
        case .number:
            guard let v = BareNumber.parse(payload) else { return .failure(.notANumber) }
            json = .number(v)
        case .json:
            do {
                json = try JSONParser(maxDepth: limits.maxJSONDepth).parse(payload)
            } catch {
                if case .invalidUTF8(let offset, _, _) = error, let field = error.invalidUTF8Field {
                    return .failure(.invalidUTF8(field: field, offset: offset))
                }
                return .failure(.malformedJSON(error))
            }
        }
        var out = Decoded<Record>()
        out.recordCount = 1
        switch json {
        case .number where Self.acceptsBareNumber, .integer where Self.acceptsBareNumber:
            decodeRecord([("value", json)], index: 0, fields: fields, receivedAt: receivedAt, into: &out)
        case .object(let members):
            decodeRecord(members, index: 0, fields: fields, receivedAt: receivedAt, into: &out)
        case .array(let elements):
            if elements.isEmpty { return .failure(.emptyBatch) }
            if elements.count > limits.maxBatchLength {
                return .failure(.batchTooLong(count: elements.count, limit: limits.maxBatchLength))
            }
            out.records.reserveCapacity(elements.count)
            out.recordCount = elements.count
            for (i, element) in elements.enumerated() {
                guard case .object(let members) = element else {
                    out.reject(i, .notAnObject(got: element.typeName))
                    continue
                }
                decodeRecord(members, index: i, fields: fields, receivedAt: receivedAt, into: &out)
            }
        default:
            return .failure(.notAnObject(got: json.typeName))
        }
        return .success(out)
    }
}

/// A payload that is a number as text, with optional surrounding white space.
enum BareNumber {
    static func parse(_ payload: [UInt8]) -> Double? {
        let text = String(decoding: payload, as: UTF8.self).trimmingASCIIWhitespace
        guard !text.isEmpty, let v = Double(text) else { return nil }
        return v
    }
}
