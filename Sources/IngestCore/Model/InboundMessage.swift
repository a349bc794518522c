/// A message as it arrived from the broker, stamped with the time of receipt and a sequence
/// number that gives it an identity from ingress on (the journal's checkpoint counts them).
public struct InboundMessage: Sendable {
    public var topic: String
    /// The payload, or only its first bytes when it was larger than the bound ingress keeps.
    public var payload: [UInt8]
    /// The payload's real size in bytes (at least `payload.count`).
    public var size: Int
    public var receivedAt: Timestamp
    public var sequence: UInt64

    public init(topic: String, payload: [UInt8], size: Int? = nil, receivedAt: Timestamp, sequence: UInt64 = 0) {
        self.topic = topic
        self.payload = payload
        self.size = max(size ?? payload.count, payload.count)
        self.receivedAt = receivedAt
        self.sequence = sequence
    }
}
