/// The message a row came from, carried with the row through its batch: a row the database
/// refuses becomes a `database_refused` dead letter of this message, with its topic and its
/// payload as they arrived (not the row re-encoded). The payload is shared with the inbound
/// message (copy on write), not copied.
public struct RecordOrigin: Sendable, Equatable {
    public var topic: String
    /// The payload as ingress kept it (cut to its bound when larger).
    public var payload: [UInt8]
    /// The payload's real size in bytes.
    public var size: Int
    public var receivedAt: Timestamp
    /// The inbound sequence number.
    public var sequence: UInt64

    public init(topic: String, payload: [UInt8], size: Int, receivedAt: Timestamp, sequence: UInt64) {
        self.topic = topic
        self.payload = payload
        self.size = size
        self.receivedAt = receivedAt
        self.sequence = sequence
    }

    public init(_ message: InboundMessage) {
        self.init(topic: message.topic, payload: message.payload, size: message.size,
                  receivedAt: message.receivedAt, sequence: message.sequence)
    }
}
