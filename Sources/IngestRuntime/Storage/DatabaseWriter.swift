import IngestCore
import Logging
import PostgresClient
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Owns one PostgreSQL connection on its own thread and writes batches in order. A lost
/// connection is retried with exponential backoff, holding the batch (and, through the full
/// queue, the pipeline and the broker) until the database is back. A batch the database
/// refuses for its data is searched for the refused entries (`RefusalSearch`, which ends on
/// every input); refused rows become `database_refused` dead letters.
///
/// - Important: `submit` blocks while `capacity` batches wait. Call `finish()` once, after
///   the last `submit`; it returns when everything submitted was committed or given up.
final class DatabaseWriter: @unchecked Sendable {  // its connection state is touched only by its own thread
    private let config: IngestConfig
    private let logger: Logger
    private let stats: RuntimeStats
    private let onCommitted: @Sendable (Batch, [CommitEffect]) -> Void
    private let queue = BlockingQueue<Batch>(capacity: 2)
    private var thread: WorkerThread?
    private let stopDeadline = Mutex<ContinuousClock.Instant?>(nil)
    private let abandoned = Mutex(0)
    /// Rows that could not be written before the stop deadline.
    var abandonedRows: Int { abandoned.withLock { $0 } }

    private var connection: PostgresConnection?
    private var writer: BatchWriter?
    private var partitioned = false
    private var nextPartitionCheck = ContinuousClock.now

    init(config: IngestConfig, logger: Logger, stats: RuntimeStats,
         onCommitted: @escaping @Sendable (Batch, [CommitEffect]) -> Void) {
        self.config = config
        self.logger = logger
        self.stats = stats
        self.onCommitted = onCommitted
    }

    func start() {
        thread = WorkerThread(name: "ingestd-writer") { [self] in run() }
    }

    func submit(_ batch: Batch) { queue.push(batch) }

    /// Drains and stops; a database that is still down after `timeout` makes the writer give up.
    func finish(timeout: Duration) {
        stopDeadline.withLock { $0 = .now + timeout }
        queue.close()
        thread?.join()
    }

    private var pastStopDeadline: Bool {
        stopDeadline.withLock { deadline in deadline.map { ContinuousClock.now >= $0 } ?? false }
    }

    private func run() {
        while let batches = queue.popAll(until: nil) {
            for batch in batches { writeRetrying(batch) }
        }
        connection = nil
        writer = nil
    }

    private func writeRetrying(_ batch: Batch) {
        var delay = config.writer.retryMin
        while true {
            do {
                try writeIsolatingRefusals(batch)
                return
            } catch {
                // Only a lost connection gets here: retry the whole batch. Rows are
                // idempotent (ON CONFLICT), so parts already committed are not doubled.
                stats.writeFailed()
                connection = nil
                writer = nil
                if pastStopDeadline {
                    abandoned.withLock { $0 += batch.rowCount }
                    logger.critical("stopping with the database unreachable: \(batch.rowCount) rows and \(batch.deadLetters.count) dead letters were not written",
                                    metadata: ["error": "\(error)"])
                    return
                }
                logger.warning("database write failed, retrying in \(delay): \(error)")
                sleep(for: delay)
                delay = min(delay * 2, config.writer.retryMax)
            }
        }
    }

    /// True for an error about the data, on a connection that is still usable.
    private func isRefusal(_ error: any Error) -> Bool {
        guard let error = error as? PostgresError else { return false }
        return !error.isConnectionLoss && (connection?.isHealthy ?? false)
    }

    /// Writes the batch; if the database refuses it for its data, finds the refused entries
    /// and stores each refused row as a dead letter. Throws only when the connection is lost.
    private func writeIsolatingRefusals(_ batch: Batch) throws {
        do {
            try write(batch)
            return
        } catch where isRefusal(error) {
            stats.writeFailed()
            logger.error("database refused a batch: \(error); finding the refused entries", metadata: ["entries": "\(batch.count)"])
        }
        let refused = try RefusalSearch.run(batch, write: write, isRefusal: isRefusal)
        var letters: [DeadLetter] = []
        for (entry, error) in refused {
            guard let rows = entry.tables.first else {
                // A dead letter the database refuses: keep its reason, drop what made it unstorable.
                logger.error("database refused a dead letter; storing it without its payload: \(error)",
                             metadata: ["dead_letter": "\(entry.deadLetters)"])
                for var letter in entry.deadLetters {
                    letter.payload = []
                    letter.reason = "the database refused this dead letter (\(error)); its reason was: \(letter.reason)"
                    letters.append(letter)
                }
                continue
            }
            letters.append(DeadLetter(topic: "", family: rows.family.rawValue, reasonCode: "database_refused",
                                      reason: "the database refused the row: \(error)", payload: Array(rows.json(at: 0).utf8),
                                      bound: config.limits.deadLetterPayloadBytes, receivedAt: rows.receivedAt(at: 0)))
        }
        guard !letters.isEmpty else { return }
        do {
            try write(Batch(deadLetters: letters, lastSequence: batch.lastSequence))
        } catch where isRefusal(error) {
            logger.critical("database refused even the dead letters of refused rows; they are only logged: \(error)",
                            metadata: ["dead_letters": "\(letters.map(\.json))"])
        }
    }

    private func write(_ batch: Batch) throws {
        let w = try connectedWriter()
        let start = ContinuousClock.now
        let effects = try w.write(batch)
        let elapsed = start.duration(to: .now)
        stats.committed(rows: batch.rowCount, deadLetters: batch.deadLetters.count,
                        micros: elapsed.wholeMicroseconds)
        onCommitted(batch, effects)
    }

    private func connectedWriter() throws -> BatchWriter {
        if let writer, let connection, connection.isHealthy {
            if partitioned && ContinuousClock.now >= nextPartitionCheck { try ensurePartitions(connection) }
            return writer
        }
        let c = try PostgresConnection(config.database.url)
        try c.execute("SET synchronous_commit = on; SET client_min_messages = warning")
        let layout = try c.execute("SELECT layout FROM ingestd_migrations WHERE version = 1").rows.first?[0] ?? nil
        guard let layout else {
            throw PostgresError(call: "ingestd", sqlState: "08000", message: "the database has no ingestd schema yet; run `ingestd migrate`")
        }
        partitioned = layout == StorageLayout.partitions.rawValue
        if partitioned { try ensurePartitions(c) }
        logger.info("connected to the database", metadata: ["layout": "\(layout)", "method": "\(config.writer.method.rawValue)",
                                                            "server_version": "\(c.serverVersion)"])
        let w = BatchWriter(connection: c, method: config.writer.method)
        connection = c
        writer = w
        return w
    }

    private func ensurePartitions(_ c: PostgresConnection) throws {
        let back = Int((config.limits.maxAgeSeconds + 86_399) / 86_400) + 1
        let created = try c.execute("SELECT ingestd_ensure_partitions($1, $2)",
                                    [.text(String(back)), .text(String(config.storage.partitionsAheadDays))]).value(0, 0) ?? "0"
        if created != "0" { logger.info("created \(created) daily partitions") }
        nextPartitionCheck = .now + .seconds(3600)
    }

    /// Sleeps in short steps, so that a stop deadline cuts the backoff short.
    private func sleep(for delay: Duration) {
        var remaining = delay
        while remaining > .zero && !pastStopDeadline {
            let step = min(remaining, .milliseconds(100))
            usleep(UInt32(step.wholeMicroseconds))
            remaining -= step
        }
    }
}
