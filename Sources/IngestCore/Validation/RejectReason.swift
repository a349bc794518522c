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
    /// A control character (U+0001 to U+001F, U+007F) in a string field.
    case controlCharacter(field: String, byte: UInt8)
    /// '/', '+' or '#' in a field that names a topic level (identity, metric, site, line).
    case wildcardCharacter(field: String, character: Character)
    /// A payload string that is not well-formed UTF-8, first at byte `offset`; `field` as
    /// `JSONError.invalidUTF8Field` names it (`device`, `[2].device`, `values.<name>`).
    case invalidUTF8(field: String, offset: Int)
    /// A topic level that fills `field` held bytes that are not UTF-8: ingress decodes topics
    /// with U+FFFD in their place, so a level with U+FFFD is refused rather than stored.
    case invalidUTF8InTopic(field: String)
    case identityMismatch(field: String, payload: String, topic: String)
    /// A payload `received_time` (a machine event's version order) outside its bounds: after
    /// the receipt plus `validation.max_future` (`late` false), or before the event's
    /// `event_time` minus `validation.max_age` (`late` true). Unbounded, one far-future stamp
    /// would make every later correction of the event stale.
    case receivedTimeOutOfBounds(Timestamp, bound: Timestamp, limitSeconds: Int64, early: Bool)
    case outOfRange(field: String, value: Double, range: ClosedRange<Double>)
    case unknownState(String, known: [String])
    case unknownEquipment(String)

    public var code: String {
        switch self {
        case .noRoute: "no_route"
        case .payloadTooLarge: "payload_too_large"
        case .malformedJSON(.tooDeep): "too_deep"
        case .malformedJSON(.invalidUTF8): "invalid_utf8"
        case .malformedJSON(.duplicateKey): "duplicate_key"
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
        case .invalidUTF8, .invalidUTF8InTopic: "invalid_utf8"
        case .controlCharacter: "control_character"
        case .wildcardCharacter: "wildcard_character"
        case .identityMismatch: "identity_mismatch"
        case .receivedTimeOutOfBounds: "received_time_out_of_bounds"
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
        case let .wrongType(f, expected, got): "field '\(f.clippedForReason)' must be \(expected), got \(got)"
        case let .notFinite(f): "field '\(f)' is not a finite number"
        case let .badTimestamp(text): "timestamp '\(text.clippedForReason)' is neither RFC 3339 nor epoch seconds/milliseconds"
        case let .timestampInFuture(ts, limit): "timestamp \(ts) is more than \(limit) s in the future"
        case let .timestampTooOld(ts, limit): "timestamp \(ts) is more than \(limit) s in the past"
        case let .stringTooLong(f, length, limit): "field '\(f)' is \(length) bytes long, longer than the limit of \(limit)"
        case let .emptyString(f): "field '\(f)' is empty"
        case let .nulCharacter(f): "field '\(f)' contains a NUL character, which PostgreSQL text cannot store"
        case let .controlCharacter(f, byte):
            "field '\(f)' contains the control character 0x\(byte < 0x10 ? "0" : "")\(String(byte, radix: 16, uppercase: true))"
        case let .wildcardCharacter(f, c):
            "field '\(f)' contains '\(c)', which MQTT topics reserve; ingestd publishes under topics made of this field"
        case let .invalidUTF8(f, offset):
            "field '\(f.clippedForReason)' is not valid UTF-8 (byte \(offset) of the payload); it is refused rather than stored with replacement characters"
        case let .invalidUTF8InTopic(f):
            "the topic level that gives field '\(f)' is not valid UTF-8 (it arrived with U+FFFD in place of bytes); it is refused rather than stored"
        case let .identityMismatch(f, payload, topic):
            "field '\(f)' is '\(payload.clippedForReason)' but the topic says '\(topic.clippedForReason)'; a device may only publish as itself"
        case let .receivedTimeOutOfBounds(ts, bound, limit, early):
            early
                ? "field 'received_time' is \(ts), before the event_time minus validation.max_age (\(limit) s): \(bound)"
                : "field 'received_time' is \(ts), after the receipt plus validation.max_future (\(limit) s): \(bound)"
        case let .outOfRange(f, value, range):
            "field '\(f)' is \(value.shortText), outside \(range.lowerBound.shortText) to \(range.upperBound.shortText)"
        case let .unknownState(state, known): "state '\(state.clippedForReason)' is not one of \(known.joined(separator: ", "))"
        case let .unknownEquipment(e): "equipment '\(e.clippedForReason)' is not in the configured equipment registry"
        }
    }
}

extension String {
    /// The value as a reason quotes it: at most 64 characters (a hostile payload's 60 KB
    /// string is not copied into every log line and dead letter), control characters written
    /// as `\u{1B}` so that no reason can move a terminal's cursor or forge a log line.
    var clippedForReason: String {
        let limit = 64
        let clean = !unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        if clean && utf8.count <= limit { return self }
        var out = ""
        for (i, c) in unicodeScalars.enumerated() {
            if i == limit { out += "…"; break }
            if c.value < 0x20 || c.value == 0x7F { out += "\\u{\(String(c.value, radix: 16, uppercase: true))}" } else { out.unicodeScalars.append(c) }
        }
        return out
    }
}

extension Double {
    /// 12 rather than 12.0; other values as Swift prints them.
    var shortText: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
