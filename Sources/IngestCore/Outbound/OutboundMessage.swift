/// One MQTT message ingestd publishes.
public struct OutboundMessage: Equatable, Sendable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: Int32
    public var retain: Bool

    public init(topic: String, payload: String, qos: Int32 = 1, retain: Bool = false) {
        self.topic = topic
        self.payload = Array(payload.utf8)
        self.qos = qos
        self.retain = retain
    }
}
