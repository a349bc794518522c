/// Readers of single JSON fields shared by the family decoders: each gives the value, nil for
/// JSON null, or the rejection that names the field and what was expected.
enum RecordField {
    static func timestamp(_ key: String, _ v: JSONValue) -> Result<Timestamp?, RejectReason> {
        switch v {
        case .number, .integer:
            let n = v.numberValue!
            guard let t = Timestamp(epoch: n) else { return .failure(.badTimestamp(String(n))) }
            return .success(t)
        case .string(let s):
            guard let t = Timestamp(rfc3339: s) else { return .failure(.badTimestamp(s)) }
            return .success(t)
        case .null:
            return .success(nil)
        default:
            return .failure(.wrongType(field: key, expected: "an RFC 3339 string or epoch number", got: v.typeName))
        }
    }

    static func string(_ key: String, _ v: JSONValue) -> Result<String?, RejectReason> {
        switch v {
        case .string(let s): .success(s)
        case .null: .success(nil)
        default: .failure(.wrongType(field: key, expected: "a string", got: v.typeName))
        }
    }

    static func number(_ key: String, _ v: JSONValue) -> Result<Double?, RejectReason> {
        switch v {
        case .number(let n): .success(n)
        case .integer(let i): .success(Double(i))
        case .null: .success(nil)
        default: .failure(.wrongType(field: key, expected: "a number", got: v.typeName))
        }
    }

    /// An integer stored exactly (a bigint column): the literal's exact value (`.integer`
    /// from 2^53 on), or a whole Double below 2^53 (`1e3` is 1000). From 2^53 on a number
    /// written with a fraction or an exponent is not exact (9.007199254740993e15 is 2^53 as a
    /// Double), and one past the bigint range does not fit: both refused, naming the field.
    static func integer(_ key: String, _ v: JSONValue) -> Result<Int64?, RejectReason> {
        switch v {
        case .integer(let i): return .success(i)
        case .number(let n) where n == n.rounded() && n.magnitude < 9_007_199_254_740_992: return .success(Int64(n))
        case .number(let n) where n.isFinite && n == n.rounded():
            // -2^63 as a Double fits; 2^63 does not.
            if n < -9_223_372_036_854_775_808.0 || n >= 9_223_372_036_854_775_808.0 {
                return .failure(.outOfRange(field: key, value: n, range: -9_223_372_036_854_775_808.0...9_223_372_036_854_775_807.0))
            }
            return .failure(.wrongType(field: key, expected: "an integer written in digits (beyond ±2^53 a fraction or exponent is not exact)",
                                       got: "a number"))
        case .null: return .success(nil)
        default: return .failure(.wrongType(field: key, expected: "an integer", got: v.typeName))
        }
    }

    /// Any other level the route captures (`site`, `line`, a sensor's `metric` and `unit`):
    /// the topic's, as the identity is. `value` holds the payload's member (nil when absent or
    /// null) and becomes the topic's level when the route captures one; a payload member that
    /// disagrees with it is refused (`identity_mismatch`): a device the broker ACL pins to
    /// `plant/s1/l1/…` cannot move its records to another site or line.
    static func topicLevel(_ key: String, _ value: inout String?, topic: String?) -> RejectReason? {
        guard let topic else { return nil }
        if let payload = value, payload != topic { return .identityMismatch(field: key, payload: payload, topic: topic) }
        value = topic
        return nil
    }

    /// The record's identity: the topic's level wins; a payload field that disagrees with it
    /// is refused, so that a device cannot write as another from its own topic (which would
    /// defeat a per-device broker ACL).
    static func identity(_ key: String, payload: String?, topic: String?) -> Result<String?, RejectReason> {
        guard let topic else { return .success(payload) }
        if let payload, payload != topic { return .failure(.identityMismatch(field: key, payload: payload, topic: topic)) }
        return .success(topic)
    }
}

/// Checks shared by the family validators.
enum FieldCheck {
    /// A string field: non-empty when required, bounded, no NUL and no other control
    /// character. A `topicLevel` field (an identity, a metric, a site, a line: ingestd
    /// publishes under topics made of them) holds no MQTT wildcard or level separator either:
    /// `a/b` and `a+b` would otherwise share the topic level `a_b`.
    static func text(_ field: String, _ value: String?, required: Bool, topicLevel: Bool = false,
                     limits: Limits) -> RejectReason? {
        guard let value else { return required ? .missingField(field) : nil }
        if required && value.isEmpty { return .emptyString(field: field) }
        let n = value.utf8.count
        if n > limits.maxStringLength { return .stringTooLong(field: field, length: n, limit: limits.maxStringLength) }
        for b in value.utf8 {
            switch b {
            case 0: return .nulCharacter(field: field)
            case 0x01..<0x20, 0x7F: return .controlCharacter(field: field, byte: b)
            case UInt8(ascii: "/"), UInt8(ascii: "+"), UInt8(ascii: "#"):
                if topicLevel { return .wildcardCharacter(field: field, character: Character(Unicode.Scalar(b))) }
            default: continue
            }
        }
        return nil
    }

    /// A timestamp neither too far ahead nor too old.
    static func time(_ ts: Timestamp, now: Timestamp, limits: Limits) -> RejectReason? {
        if ts > now + limits.maxFutureSeconds { return .timestampInFuture(ts, limitSeconds: limits.maxFutureSeconds) }
        if ts < now - limits.maxAgeSeconds { return .timestampTooOld(ts, limitSeconds: limits.maxAgeSeconds) }
        return nil
    }

    /// A number that must be finite and, when a range is given, inside it.
    static func number(_ field: String, _ value: Double?, in range: ClosedRange<Double>? = nil) -> RejectReason? {
        guard let value else { return nil }
        guard value.isFinite else { return .notFinite(field: field) }
        if let range, !range.contains(value) { return .outOfRange(field: field, value: value, range: range) }
        return nil
    }
}
