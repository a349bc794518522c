/// Why a message or one record of it was not accepted. `code` is a stable label for metrics
/// and queries; `description` is the sentence stored with the dead letter.
public enum RejectReason: Error, Equatable, Sendable, CustomStringConvertible {
    case noRoute
    case payloadTooLarge(size: Int, limit: Int)
    case malformedJSON(JSONError)
    case notANumber
    case batchTooLong(count: Int, limit: Int)
    case emptyBatch
    case notAnObject(got: String)
    case missingField(String)
    case wrongType(field: String, expected: String, got: String)
    case notFinite(field: String)
    case badTimestamp(String)
    case timestampInFuture(Timestamp, limitSeconds: Int64)
    case timestampTooOld(Timestamp, limitSeconds: Int64)
    case stringTooLong(field: String, length: Int, limit: Int)
    case emptyString(field: String)
    case nulCharacter(field: String)
    case identityMismatch(field: String, payload: String, topic: String)
    case outOfRange(field: String, value: Double, range: ClosedRange<Double>)
    case unknownState(String, known: [String])
    case unknownEquipment(String)

    public var code: String {
        switch self {
        case .noRoute: "no_route"
        case .payloadTooLarge: "payload_too_large"
        case .malformedJSON(.tooDeep): "too_deep"
        case .malformedJSON: "malformed_json"
        case .notANumber: "not_a_number"
        case .batchTooLong: "batch_too_long"
        case .emptyBatch: "empty_batch"
        case .notAnObject: "not_an_object"
        case .missingField: "missing_field"
        case .wrongType: "wrong_type"
        case .notFinite: "not_finite"
        case .badTimestamp: "bad_timestamp"
        case .timestampInFuture: "ts_in_future"
        case .timestampTooOld: "ts_too_old"
        case .stringTooLong: "string_too_long"
        case .emptyString: "empty_string"
        case .nulCharacter: "nul_character"
        case .identityMismatch: "identity_mismatch"
        case .outOfRange: "out_of_range"
        case .unknownState: "unknown_state"
        case .unknownEquipment: "unknown_equipment"
        }
    }

    public var description: String {
        switch self {
        case .noRoute: "no route matches the topic"
        case let .payloadTooLarge(size, limit): "payload of \(size) bytes is larger than the limit of \(limit)"
        case let .malformedJSON(e): "malformed JSON: \(e)"
        case .notANumber: "payload is not a number"
        case let .batchTooLong(count, limit): "batch of \(count) records is longer than the limit of \(limit)"
        case .emptyBatch: "the batch is an empty array"
        case let .notAnObject(got): "expected a JSON object, an array of objects or a number, got \(got)"
        case let .missingField(f): "missing field '\(f)' (neither in the payload nor in the topic)"
        case let .wrongType(f, expected, got): "field '\(f)' must be \(expected), got \(got)"
        case let .notFinite(f): "field '\(f)' is not a finite number"
        case let .badTimestamp(text): "timestamp '\(text)' is neither RFC 3339 nor epoch seconds/milliseconds"
        case let .timestampInFuture(ts, limit): "timestamp \(ts) is more than \(limit) s in the future"
        case let .timestampTooOld(ts, limit): "timestamp \(ts) is more than \(limit) s in the past"
        case let .stringTooLong(f, length, limit): "field '\(f)' is \(length) bytes long, longer than the limit of \(limit)"
        case let .emptyString(f): "field '\(f)' is empty"
        case let .nulCharacter(f): "field '\(f)' contains a NUL character, which PostgreSQL text cannot store"
        case let .identityMismatch(f, payload, topic):
            "field '\(f)' is '\(payload)' but the topic says '\(topic)'; a device may only publish as itself"
        case let .outOfRange(f, value, range):
            "field '\(f)' is \(value.shortText), outside \(range.lowerBound.shortText) to \(range.upperBound.shortText)"
        case let .unknownState(state, known): "state '\(state)' is not one of \(known.joined(separator: ", "))"
        case let .unknownEquipment(e): "equipment '\(e)' is not in the configured equipment registry"
        }
    }
}

extension Double {
    /// 12 rather than 12.0; other values as Swift prints them.
    var shortText: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
