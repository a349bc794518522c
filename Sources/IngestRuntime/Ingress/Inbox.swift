import IngestCore

/// Where ingress leaves each message and the pipeline takes it from: the journal, or memory
/// when the journal is off (`MemoryInbox`). One thread puts, one thread takes.
protocol Inbox: AnyObject, Sendable {
    /// Where an earlier run left off: the next sequence number and the last receipt time.
    var resume: (sequence: UInt64, receivedAt: Timestamp) { get }

    /// Keeps one message before the broker is acknowledged; blocks while there is no room
    /// (back-pressure: the broker then queues). False once intake is closed: the message was
    /// not kept and must not be acknowledged.
    func put(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, size: Int,
             receivedAt: Timestamp, sequence: UInt64) -> Bool

    /// Stops `put`: it returns false from now on, also to a caller waiting for room.
    func closeIntake()

    /// Waits until messages are there or `deadline` passes, then takes a burst of them in
    /// order. [] on timeout; nil once taking is closed (and, in memory, drained).
    func take(until deadline: ContinuousClock.Instant?) -> [InboundMessage]?

    /// Stops `take`. The journal keeps what was not taken for the next start; memory hands out
    /// what it holds first.
    func closeTaking()

    /// Every message up to `sequence` has its fate committed to the database.
    func settled(through sequence: UInt64)

    /// Messages and bytes held and not yet settled.
    var backlog: InboxBacklog { get }

    /// What it holds outlives the process (the journal): what is not taken or not settled at
    /// a stop is there at the next start.
    var isDurable: Bool { get }

    /// After the pipeline and the writer stopped: the last sync, files closed.
    func close()
}

struct InboxBacklog: Sendable, Equatable {
    var messages: Int
    var bytes: Int
}
