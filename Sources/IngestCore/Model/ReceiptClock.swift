/// Stamps arriving messages with their receipt time and sequence number. The receipt time
/// never goes backwards within a run, even when the wall clock is stepped back: "later
/// received wins" then follows arrival order, not the clock.
public struct ReceiptClock: Sendable {
    private var last = Timestamp(microseconds: 0)
    private var next: UInt64 = 1

    public init() {}

    /// Continues after what an earlier run stamped (the journal's last record).
    public init(next: UInt64, notBefore last: Timestamp) {
        self.next = max(next, 1)
        self.last = last
    }

    /// The receipt time and sequence number of the next message, given the wall clock.
    public mutating func stamp(wall: Timestamp) -> (receivedAt: Timestamp, sequence: UInt64) {
        if wall > last { last = wall }
        defer { next += 1 }
        return (last, next)
    }
}
