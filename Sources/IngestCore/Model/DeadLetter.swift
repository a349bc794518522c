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
    /// The inbound sequence number of the message it came from (0 when none).
    public var sequence: UInt64

    /// A dead letter of the whole `payload`, which it keeps cut to `bound` bytes.
    public init(topic: String, family: String, reasonCode: String, reason: String, payload: [UInt8], bound: Int,
                receivedAt: Timestamp, sequence: UInt64 = 0) {
        self.init(topic: topic, family: family, reasonCode: reasonCode, reason: reason,
                  payload: Array(payload.prefix(bound)), payloadSize: payload.count, receivedAt: receivedAt, sequence: sequence)
    }

    public init(topic: String, family: String, reason: RejectReason, payload: [UInt8], bound: Int, receivedAt: Timestamp) {
        self.init(topic: topic, family: family, reasonCode: reason.code, reason: reason.description, payload: payload,
                  bound: bound, receivedAt: receivedAt)
    }

    /// Every field as given; `payload` is expected to be cut already.
    public init(topic: String, family: String, reasonCode: String, reason: String, payload: [UInt8],
                payloadSize: Int, receivedAt: Timestamp, sequence: UInt64 = 0) {
        self.sequence = sequence
        self.topic = topic
        self.family = family
        self.reasonCode = reasonCode
        self.reason = reason
        self.payload = payload
        self.payloadSize = payloadSize
        self.receivedAt = receivedAt
    }
}
