/// Remembers the most recent natural keys and their values, to tell a new reading from a
/// duplicate (same key, same value) and a correction (same key, other value). Oldest keys
/// are forgotten first; the database's unique key catches what the window forgot.
public struct DedupWindow: Sendable {
    public enum Verdict: Equatable, Sendable {
        case new
        case duplicate
        case correction
    }

    public let capacity: Int
    private var values: [SensorKey: UInt64] = [:]
    /// Keys in arrival order, as a ring: `order[head]` is the oldest once full.
    private var order: [SensorKey] = []
    private var head = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a dedup window holds at least one key")
        self.capacity = capacity
        values.reserveCapacity(min(capacity, 1 << 20))
    }

    public var count: Int { values.count }

    /// Records a reading and says what it is. A correction replaces the remembered value, so
    /// a later repeat of the corrected value is a duplicate.
    public mutating func observe(_ reading: SensorReading) -> Verdict {
        let key = reading.key
        let bits = reading.value.bitPattern
        if let known = values[key] {
            if known == bits { return .duplicate }
            values[key] = bits
            return .correction
        }
        if order.count < capacity {
            order.append(key)
        } else {
            values[order[head]] = nil
            order[head] = key
            head = (head + 1) % capacity
        }
        values[key] = bits
        return .new
    }
}
