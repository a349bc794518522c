/// Hostile payloads, each with the reason ingestd must give when it refuses it. One list for
/// the unit test (through the pipeline state machine) and the integration test (through a
/// real broker, ingestd and PostgreSQL): Tests/IntegrationTests/HostileCorpus.swift is a link
/// to this file. Plain values only, so that both test targets compile it as it is.
///
/// Topics are under a root the test chooses, laid out as the default routes lay them out:
/// `{root}/{site}/{line}/sensor/{device}/{metric}`, `{root}/{site}/battery/{battery}/telemetry`,
/// `{root}/{site}/{line}/equipment/{equipment}/state`, `{root}/{site}/{line}/machine/{machine}/events`.
/// No payload carries a fixed date: a time is `nowMs`, the test's clock in epoch milliseconds.
struct HostileCase: Sendable, CustomStringConvertible {
    /// What the case tries, as the test reports it.
    let name: String
    /// The topic below the test's root, without a leading '/'.
    let topic: String
    /// The reason code of its dead letter (`dead_letters.reason_code`).
    let reason: String
    /// The family whose table it must never reach.
    let family: String
    /// The payload, given the test's time in epoch milliseconds.
    let payload: @Sendable (_ nowMs: Int64) -> [UInt8]

    var description: String { name }

    init(_ name: String, topic: String, reason: String, payload: @escaping @Sendable (_ nowMs: Int64) -> [UInt8]) {
        self.name = name
        self.topic = topic
        self.reason = reason
        family = HostileCase.family(of: topic)
        self.payload = payload
    }

    init(_ name: String, topic: String, reason: String, _ text: String) {
        self.init(name, topic: topic, reason: reason) { _ in Array(text.utf8) }
    }

    static func family(of topic: String) -> String {
        let levels = topic.split(separator: "/")
        if levels.contains("battery") { return "battery" }
        if levels.contains("equipment") { return "equipment_state" }
        if levels.contains("machine") { return "machine_event" }
        return "sensor"
    }
}

enum HostileCorpus {
    static let sensor = "s1/l1/sensor/d1/temp"
    static let battery = "s1/battery/pack1/telemetry"
    static let equipment = "s1/l1/equipment/press1/state"
    static let machine = "s1/l1/machine/cnc1/events"

    /// `text` with the bytes of `bytes` in place of each `@`: payloads that JSON text cannot write.
    static func bytes(_ text: String, _ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for b in text.utf8 { if b == UInt8(ascii: "@") { out += bytes } else { out.append(b) } }
        return out
    }

    /// The largest payload the default limits accept is 65 536 bytes.
    static let oversizedLength = 70_000

    static let cases: [HostileCase] = [
        // Size and shape
        HostileCase("oversized payload", topic: sensor, reason: "payload_too_large") { _ in
            Array(#"{"value":1,"pad":""#.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: oversizedLength) + Array(#""}"#.utf8)
        },
        HostileCase("10 000 nested arrays", topic: sensor, reason: "too_deep") { _ in
            [UInt8](repeating: UInt8(ascii: "["), count: 10_000) + [UInt8](repeating: UInt8(ascii: "]"), count: 10_000)
        },
        HostileCase("nested objects in a value", topic: battery, reason: "too_deep") { _ in
            Array((#"{"soc":50,"x":"# + String(repeating: #"{"a":"#, count: 40) + "1" + String(repeating: "}", count: 41)).utf8)
        },
        HostileCase("a batch of 5 000 records", topic: sensor, reason: "batch_too_long") { _ in
            Array(("[" + Array(repeating: #"{"value":1}"#, count: 5_000).joined(separator: ",") + "]").utf8)
        },
        HostileCase("a batch of 1 000 numbers, none an object", topic: machine, reason: "not_an_object") { _ in
            Array(("[" + Array(repeating: "1", count: 1_000).joined(separator: ",") + "]").utf8)
        },
        HostileCase("an object of 5 000 members", topic: battery, reason: "duplicate_key") { _ in
            // Distinct names but the last, so the duplicate check must not be quadratic to finish.
            Array(("{" + (0..<5_000).map { #""k\#($0)":1"# }.joined(separator: ",") + #","k0":2}"#).utf8)
        },
        HostileCase("an empty batch", topic: equipment, reason: "empty_batch", "[]"),
        HostileCase("an empty payload", topic: sensor, reason: "malformed_json", ""),
        HostileCase("truncated JSON", topic: sensor, reason: "malformed_json", #"{"value": 1"#),
        HostileCase("trailing garbage", topic: sensor, reason: "malformed_json", #"{"value": 1} {"value": 2}"#),

        // Numbers JSON cannot hold
        HostileCase("NaN", topic: sensor, reason: "malformed_json", #"{"value": NaN}"#),
        HostileCase("-Infinity", topic: sensor, reason: "malformed_json", #"{"value": -Infinity}"#),
        HostileCase("Infinity in a batch", topic: battery, reason: "malformed_json", #"[{"soc": Infinity}]"#),
        HostileCase("1e999, a number too large for a double", topic: sensor, reason: "not_finite", #"{"value": 1e999}"#),
        HostileCase("-1e999 as a battery voltage", topic: battery, reason: "not_finite", #"{"voltage": -1e999}"#),
        HostileCase("1e999 as a sensor values member", topic: sensor, reason: "not_finite", #"{"values": {"rpm": 1e999}}"#),
        HostileCase("1e999 as a duration", topic: machine, reason: "wrong_type") { now in
            Array(#"{"event_id":"e1","event_time":\#(now),"duration_ms":1e999}"#.utf8)
        },
        HostileCase("1e999 as a time", topic: equipment, reason: "bad_timestamp",
                    #"{"state":"green","source":"tab1","changed_at":1e999}"#),

        // Control characters
        HostileCase("a raw control character in a string", topic: sensor, reason: "malformed_json") { _ in
            bytes(#"{"value": 1, "unit": "@"}"#, [0x07])
        },
        HostileCase("an escaped escape sequence as a metric", topic: sensor, reason: "control_character",
                    #"{"values": {"\u001b[2J": 1}}"#),
        HostileCase("a bell in a worker's name", topic: equipment, reason: "control_character") { now in
            Array(#"{"state":"green","source":"tab1","worker":"w\u0007","changed_at":\#(now)}"#.utf8)
        },
        HostileCase("NUL in an event id", topic: machine, reason: "nul_character") { now in
            Array(#"{"event_id":"e\u0000","event_time":\#(now),"duration_ms":10}"#.utf8)
        },

        // Bytes that are not UTF-8
        HostileCase("0xFF in the device field", topic: sensor, reason: "invalid_utf8") { _ in
            bytes(#"{"device": "d1@", "value": 1}"#, [0xFF])
        },
        HostileCase("an overlong '/' in a metric", topic: sensor, reason: "invalid_utf8") { _ in
            bytes(#"{"metric": "a@b", "value": 1}"#, [0xC0, 0xAF])
        },
        HostileCase("a UTF-8 surrogate in a battery's extra member", topic: battery, reason: "invalid_utf8") { _ in
            bytes(#"{"soc": 50, "note": "@"}"#, [0xED, 0xA0, 0x80])
        },
        HostileCase("a truncated sequence in a state", topic: equipment, reason: "invalid_utf8") { now in
            bytes(#"{"state":"gr@","source":"tab1","changed_at":\#(now)}"#, [0xE2, 0x82])
        },
        HostileCase("a continuation byte in a member name", topic: machine, reason: "invalid_utf8") { now in
            bytes(#"{"event_id":"e1","event_time":\#(now),"duration_ms":10,"@":1}"#, [0x80])
        },

        // Wildcards and separators in fields that name topic levels
        HostileCase("'#' as the payload's device", topic: sensor, reason: "identity_mismatch", ##"{"device": "#", "value": 1}"##),
        HostileCase("'+' as the payload's battery", topic: battery, reason: "identity_mismatch", #"{"battery": "+", "soc": 50}"#),
        HostileCase("'/' in a metric", topic: sensor, reason: "wildcard_character", #"{"values": {"a/b": 1}}"#),
        HostileCase("'+' in a values member", topic: sensor, reason: "wildcard_character", #"{"values": {"a+b": 1}}"#),
        HostileCase("'#' as a battery's site (the topic's site is s1)", topic: battery, reason: "identity_mismatch", ##"{"site": "#", "soc": 50}"##),
        HostileCase("'/' in a machine event's line (the topic's line is l1)", topic: machine, reason: "identity_mismatch") { now in
            Array(#"{"event_id":"e1","event_time":\#(now),"duration_ms":10,"line":"l1/../l2"}"#.utf8)
        },
        HostileCase("'+' as an equipment's site (the topic's site is s1)", topic: equipment, reason: "identity_mismatch") { now in
            Array(#"{"state":"green","source":"tab1","site":"+","changed_at":\#(now)}"#.utf8)
        },

        // Empty strings
        HostileCase("an empty metric", topic: sensor, reason: "empty_string", #"{"values": {"": 1}}"#),
        HostileCase("an empty state", topic: equipment, reason: "empty_string") { now in
            Array(#"{"state":"","source":"tab1","changed_at":\#(now)}"#.utf8)
        },
        HostileCase("an empty event id", topic: machine, reason: "empty_string") { now in
            Array(#"{"event_id":"","event_time":\#(now),"duration_ms":10}"#.utf8)
        },

        // Wrong types
        HostileCase("a value as a string", topic: sensor, reason: "wrong_type", #"{"value": "21.5"}"#),
        HostileCase("a voltage as a boolean", topic: battery, reason: "wrong_type", #"{"voltage": true}"#),
        HostileCase("a fractional duration", topic: machine, reason: "wrong_type") { now in
            Array(#"{"event_id":"e1","event_time":\#(now),"duration_ms":1.5}"#.utf8)
        },
        HostileCase("a state as an array", topic: equipment, reason: "wrong_type") { now in
            Array(#"{"state":["green"],"source":"tab1","changed_at":\#(now)}"#.utf8)
        },
        HostileCase("a string payload", topic: battery, reason: "not_an_object", #""soc=50""#),
        HostileCase("a null payload", topic: equipment, reason: "not_an_object", "null"),

        // Duplicate keys
        HostileCase("a value given twice", topic: sensor, reason: "duplicate_key", #"{"value": 1, "value": 2}"#),
        HostileCase("a state given twice", topic: equipment, reason: "duplicate_key") { now in
            Array(#"{"state":"green","source":"tab1","state":"red","changed_at":\#(now)}"#.utf8)
        },
        HostileCase("a device given twice, once as the topic's", topic: sensor, reason: "duplicate_key",
                    #"{"device": "d1", "value": 1, "device": "d2"}"#),
    ]
}
