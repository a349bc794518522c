/// A message ingestd did not accept, kept with the reason so that nobody loses it silently.
public struct DeadLetter: Equatable, Sendable {
    public var topic: String
    /// The route's family, or "unrouted".
    public var family: String
    public var reasonCode: String
    public var reason: String
    /// The payload, cut to the configured bound.
    public var payload: [UInt8]
    /// The payload's full size in bytes.
    public var payloadSize: Int
    public var receivedAt: Timestamp

    public init(topic: String, family: String, reason: RejectReason, payload: [UInt8], bound: Int, receivedAt: Timestamp) {
        self.topic = topic
        self.family = family
        self.reasonCode = reason.code
        self.reason = reason.description
        self.payload = Array(payload.prefix(bound))
        self.payloadSize = payload.count
        self.receivedAt = receivedAt
    }

    public init(topic: String, family: String, reasonCode: String, reason: String, payload: [UInt8],
                payloadSize: Int, receivedAt: Timestamp) {
        self.topic = topic
        self.family = family
        self.reasonCode = reasonCode
        self.reason = reason
        self.payload = payload
        self.payloadSize = payloadSize
        self.receivedAt = receivedAt
    }
}
