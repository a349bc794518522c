/// A message as it arrived from the broker, stamped with the time of receipt and a sequence
/// number that gives it an identity from ingress on (the journal's checkpoint counts them).
public struct InboundMessage: Sendable {
    public var topic: String
    public var payload: [UInt8]
    public var receivedAt: Timestamp
    public var sequence: UInt64

    public init(topic: String, payload: [UInt8], receivedAt: Timestamp, sequence: UInt64 = 0) {
        self.topic = topic
        self.payload = payload
        self.receivedAt = receivedAt
        self.sequence = sequence
    }
}
