/// A message as libmosquitto holds it during the message callback: nothing is copied.
///
/// - Important: valid only during the call to `onMessage`; copy what outlives it (`copy()`).
public struct MQTTIncomingMessage {
    /// The topic's bytes (UTF-8, no terminating NUL).
    public let topic: UnsafeRawBufferPointer
    /// The whole payload, however large: read only what you keep.
    public let payload: UnsafeRawBufferPointer
    public let qos: Int32
    public let retain: Bool

    public var topicString: String { String(decoding: topic, as: UTF8.self) }

    public func copy() -> MQTTMessage {
        MQTTMessage(topic: topicString, payload: Array(payload), qos: qos, retain: retain)
    }
}

/// What the message handler did with a message.
public enum MQTTDisposition: Sendable {
    /// Kept: libmosquitto acknowledges it (PUBACK at QoS 1).
    case accepted
    /// Not kept (the client is stopping and could not keep it): the connection is dropped
    /// without acknowledging it, so the broker delivers it again on the next session.
    case refused
}
