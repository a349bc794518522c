/// A message as it arrived from the broker, stamped with the time of receipt.
public struct InboundMessage: Sendable {
    public var topic: String
    public var payload: [UInt8]
    public var receivedAt: Timestamp

    public init(topic: String, payload: [UInt8], receivedAt: Timestamp) {
        self.topic = topic
        self.payload = payload
        self.receivedAt = receivedAt
    }
}
