/// Remembers the digests of the most recent messages that became whole dead letters, so that
/// an exact repeat of one — the broker delivering it again after a lost PUBACK, a publisher
/// resending at QoS 1 across a broker restart — is counted as a duplicate and stored once.
/// A repeat comes with a new receipt time, so the dead letter's key (which holds the receipt
/// time) cannot tell; the digest holds only the topic and the payload.
///
/// Bounded: `capacity` digests (8 bytes each, twice), the oldest forgotten first. A device
/// sending the same bad payload again and again gets one dead letter until the window has
/// forgotten it. Readings need no such window: their natural keys deduplicate them.
public struct RedeliveryWindow: Sendable {
    /// 65,536 digests: about 1.5 MB, many minutes of dead letters at any plausible rate.
    public static let defaultCapacity = 65_536

    public let capacity: Int
    private var known: Set<UInt64> = []
    /// Digests in arrival order, as a ring: `ring[head]` is the oldest once full.
    private var ring: [UInt64] = []
    private var head = 0

    public init(capacity: Int = Self.defaultCapacity) {
        precondition(capacity > 0, "a redelivery window holds at least one digest")
        self.capacity = capacity
    }

    public var count: Int { known.count }

    /// The digest of a message: its topic, the payload bytes ingress kept and the payload's
    /// real size (FNV-1a 64, the same in every process).
    public static func digest(of message: InboundMessage) -> UInt64 {
        var h = FNV1a64()
        h.add(field: message.topic)
        h.add(UInt64(message.size))
        h.add(field: message.payload)
        return h.value
    }

    public func contains(_ digest: UInt64) -> Bool { known.contains(digest) }

    /// Remembers a digest; false when it was already remembered (a repeat), which changes
    /// nothing. A new digest beyond `capacity` makes the window forget its oldest.
    @discardableResult
    public mutating func insert(_ digest: UInt64) -> Bool {
        guard known.insert(digest).inserted else { return false }
        if ring.count < capacity {
            ring.append(digest)
        } else {
            known.remove(ring[head])
            ring[head] = digest
            head = (head + 1) % capacity
        }
        return true
    }
}
