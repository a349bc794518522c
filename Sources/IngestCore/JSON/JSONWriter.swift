/// Writes JSON text: every message ingestd publishes and every JSON value it stores goes
/// through here, beside the parser that reads what devices send.
///
///     var w = JSONWriter()
///     w.field("state", "red")
///     w.field("changed_at", timestamp)
///     let text = w.finish()        // {"state":"red","changed_at":"…"}
public struct JSONWriter: Sendable {
    private var out = "{"
    private var first = true

    public init() {}

    private mutating func key(_ name: String) {
        if !first { out += "," }
        first = false
        Self.appendQuoted(name, to: &out)
        out += ":"
    }

    /// A string member; nil writes null.
    public mutating func field(_ name: String, _ value: String?) {
        key(name)
        if let value { Self.appendQuoted(value, to: &out) } else { out += "null" }
    }

    /// An integer member; nil writes null.
    public mutating func field(_ name: String, _ value: Int64?) {
        key(name)
        out += value.map { String($0) } ?? "null"
    }

    public mutating func field(_ name: String, _ value: Int) { field(name, Int64(value)) }

    /// A number member; nil and non-finite numbers (which JSON cannot hold) write null.
    public mutating func field(_ name: String, _ value: Double?) {
        key(name)
        out += Self.number(value)
    }

    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        out += value ? "true" : "false"
    }

    /// A time as RFC 3339 text; nil writes null.
    public mutating func field(_ name: String, _ value: Timestamp?) {
        field(name, value.map { "\($0)" })
    }

    /// A member whose value is JSON text already (an object written by another JSONWriter).
    public mutating func field(_ name: String, json: String) {
        key(name)
        out += json
    }

    /// A member holding a parsed JSON value, written back as text.
    public mutating func field(_ name: String, value: JSONValue) {
        key(name)
        Self.append(value, to: &out)
    }

    /// Counts by name, as an object with the names sorted.
    public mutating func field(_ name: String, counts: [String: Int]) {
        var inner = JSONWriter()
        for (k, v) in counts.sorted(by: { $0.key < $1.key }) { inner.field(k, v) }
        field(name, json: inner.finish())
    }

    /// The object's text.
    public func finish() -> String { out + "}" }

    /// A JSON value as text.
    public static func encode(_ value: JSONValue) -> String {
        var s = ""
        append(value, to: &s)
        return s
    }

    /// A JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out = ""
        appendQuoted(s, to: &out)
        return out
    }

    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        return value.shortText
    }

    static func append(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += number(n)
        case .integer(let i): out += String(i)
        case .string(let s): appendQuoted(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                append(item, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (k, v)) in members.enumerated() {
                if i > 0 { out += "," }
                appendQuoted(k, to: &out)
                out += ":"
                append(v, to: &out)
            }
            out += "}"
        }
    }

    static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
