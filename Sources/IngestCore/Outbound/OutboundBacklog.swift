/// The bound on what ingestd publishes and the broker has not taken yet: QoS 1 messages sent
/// and not acknowledged, or queued while the broker is away (libmosquitto keeps every one
/// until its PUBACK, in memory). At most `capacity` wait; past it a new message is dropped and
/// counted by kind (the topic level after the prefix: `agg`, `alerts`, `state`,
/// `deadletter`, `status`).
///
/// A retained message (current equipment state, an open alert's `alerts/active/…`, or its
/// emptying on clear) is what a new subscriber sees, so dropping it would leave the broker
/// showing a stale picture for good: the latest dropped one of each topic is owed instead
/// and handed back by `owedMessages` once there is room again (the backlog fell to half the
/// capacity) or the broker is back (`reconnected`). A newer one that gets through settles
/// what its topic owed. The status topic is never owed: it is published again at every
/// connection and every progress report. At most `capacity` topics are owed; past that a
/// retained message is dropped like any other (counted as `retained_lost`).
///
/// The caller counts what is outstanding (sent minus acknowledged or failed) and passes it
/// in; this decides. No clock, no I/O.
public struct OutboundBacklog: Sendable {
    public let capacity: Int
    private let prefix: String
    private var owed: [String: OutboundMessage] = [:]
    /// Messages dropped, by kind.
    public private(set) var dropped: [String: Int] = [:]
    /// Retained messages dropped and not owed (more owed topics than `capacity`).
    public private(set) var retainedLost = 0

    public init(capacity: Int, prefix: String) {
        precondition(capacity > 0, "an outgoing queue holds at least one message")
        self.capacity = capacity
        self.prefix = prefix
    }

    /// Topics whose latest retained message waits to be sent again.
    public var owedCount: Int { owed.count }

    /// Every message dropped so far.
    public var droppedCount: Int { dropped.values.reduce(0, +) }

    /// Whether `message` may be sent now that `outstanding` wait: true within the capacity
    /// (a retained one then settles what its topic owed); false, counted (a retained one owed),
    /// past it.
    public mutating func offered(_ message: OutboundMessage, outstanding: Int) -> Bool {
        if outstanding < capacity || message.qos == 0 {
            if message.retain && !owed.isEmpty { owed[message.topic] = nil }
            return true
        }
        dropped[kind(message.topic), default: 0] += 1
        if message.retain && message.topic != prefix + "status" {
            if owed.count < capacity || owed[message.topic] != nil {
                owed[message.topic] = message
            } else {
                retainedLost += 1
            }
        }
        return false
    }

    /// What is owed, to send now, when `outstanding` fell to half the capacity or less (else
    /// nothing); in topic order. It is no longer owed: sent past the bound, since there are
    /// at most `capacity` of them.
    public mutating func owedMessages(outstanding: Int) -> [OutboundMessage] {
        guard !owed.isEmpty, outstanding <= capacity / 2 else { return [] }
        return takeOwed()
    }

    /// The broker is back: everything owed, in topic order, to send now (what libmosquitto
    /// kept is sent again by libmosquitto itself).
    public mutating func reconnected() -> [OutboundMessage] {
        takeOwed()
    }

    private mutating func takeOwed() -> [OutboundMessage] {
        defer { owed = [:] }
        return owed.keys.sorted().map { owed[$0]! }
    }

    /// The topic level after the prefix: `agg`, `alerts`, `state`, `deadletter`, `status`.
    public func kind(_ topic: String) -> String {
        guard topic.hasPrefix(prefix) else { return "other" }
        let rest = topic.dropFirst(prefix.count)
        return String(rest.prefix { $0 != "/" })
    }
}
