/// The topics ingestd publishes under its prefix, and the messages it publishes there, each
/// encoded by `JSONWriter`:
///
///     {prefix}status                              retained online/offline and counters
///     {prefix}deadletter/{family}                 rejected messages with their reason
///     {prefix}state/{site}/{line}/{equipment}     retained current equipment state
public struct OutboundTopics: Sendable {
    public var prefix: String

    public init(prefix: String) { self.prefix = prefix }

    public var status: String { prefix + "status" }

    /// The status message: retained, so a new subscriber sees whether ingestd is up.
    public func status(_ state: String, version: String, clientID: String, at: Timestamp,
                       counters: FateCounters? = nil, analytics: [String: Int] = [:]) -> OutboundMessage {
        var w = JSONWriter()
        w.field("state", state)
        w.field("version", version)
        w.field("client_id", clientID)
        w.field("at", at)
        if let counters { w.field("counters", json: counters.json) }
        if !analytics.isEmpty { w.field("analytics", counts: analytics) }
        return OutboundMessage(topic: status, payload: w.finish(), qos: 1, retain: true)
    }

    public func deadLetter(_ letter: DeadLetter) -> OutboundMessage {
        OutboundMessage(topic: prefix + "deadletter/" + Self.level(letter.family), payload: letter.json, qos: 1)
    }

    /// The retained current state of an equipment, published whenever it changes.
    public func currentState(_ change: EquipmentStateChange) -> OutboundMessage {
        let topic = prefix + "state/" + [change.site ?? "_", change.line ?? "_", change.equipment].map(Self.level).joined(separator: "/")
        return OutboundMessage(topic: topic, payload: change.json, qos: 1, retain: true)
    }

    /// A value usable as one topic level: '/', '+' and '#' would change the topic's shape.
    static func level(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }) else {
            return value.isEmpty ? "_" : value
        }
        return String(value.map { "/+#".contains($0) ? "_" : $0 })
    }
}

extension DeadLetter {
    /// The message published on `{prefix}deadletter/{family}`.
    public var json: String {
        var w = JSONWriter()
        w.field("topic", topic)
        w.field("family", family)
        w.field("reason_code", reasonCode)
        w.field("reason", reason)
        w.field("received_at", receivedAt)
        w.field("payload_size", payloadSize)
        w.field("payload", String(decoding: payload, as: UTF8.self))
        return w.finish()
    }
}
