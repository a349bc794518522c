import IngestCore
import Synchronization

/// The inbox when the journal is off: a queue in memory, bounded in messages and in bytes.
/// What it holds is lost if the process dies; on a clean stop it is drained first.
final class MemoryInbox: Inbox {
    private let queue: BlockingQueue<InboundMessage>
    private let unsettled = Mutex<(last: UInt64, settled: UInt64)>((0, 0))

    init(capacity: Int, maxBytes: Int) {
        queue = BlockingQueue(capacity: capacity, maxWeight: maxBytes) { $0.payload.count + $0.topic.utf8.count }
    }

    var resume: (sequence: UInt64, receivedAt: Timestamp) { (1, Timestamp(microseconds: 0)) }

    func put(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, size: Int, receivedAt: Timestamp, sequence: UInt64) -> Bool {
        let message = InboundMessage(topic: String(decoding: topic, as: UTF8.self), payload: Array(payload), size: size,
                                     receivedAt: receivedAt, sequence: sequence)
        guard queue.push(message) else { return false }
        unsettled.withLock { $0.last = sequence }
        return true
    }

    func closeIntake() { queue.close() }
    func take(until deadline: ContinuousClock.Instant?) -> [InboundMessage]? { queue.popAll(until: deadline) }
    func closeTaking() { queue.close() }
    let isDurable = false
    func close() {}
    func settled(through sequence: UInt64) { unsettled.withLock { $0.settled = max($0.settled, sequence) } }

    var backlog: InboxBacklog {
        let (last, settled) = unsettled.withLock { ($0.last, $0.settled) }
        return InboxBacklog(messages: Int(last &- min(last, settled)), bytes: queue.weight)
    }
}
