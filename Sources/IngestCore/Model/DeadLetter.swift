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

    /// The dead letter's identity: a stable 64-bit hash (FNV-1a) of its receipt time in
    /// microseconds, topic, reason code and the payload bytes it keeps. Stored as
    /// `dead_letters.message_key`, unique: a dead letter written again (a journal replayed
    /// after a crash, a batch retried after its commit was lost) is stored once. Two messages
    /// received in the same microsecond on the same topic with the same payload and reason
    /// are one message.
    public var key: Int64 {
        var h = FNV1a64()
        h.add(receivedAt.microseconds)
        h.add(field: topic)
        h.add(field: reasonCode)
        h.add(field: payload)
        return Int64(bitPattern: h.value)
    }

    /// This dead letter as it is stored when the database refuses it for its data (a byte
    /// sequence its encoding cannot hold, a constraint a DBA added): without its payload, the
    /// refusal written before its reason. Its size, topic and time stay.
    public func withoutPayload(refusedBecause error: String) -> DeadLetter {
        var letter = self
        letter.payload = []
        letter.reason = "the database refused this dead letter (\(error)); its reason was: \(reason)"
        return letter
    }
}
