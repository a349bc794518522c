import IngestCore
import Logging
import PostgresClient
#if canImport(Glibc)
import Glibc
#endif

/// Owns one PostgreSQL connection on its own thread and writes batches in order. A lost
/// connection is retried with exponential backoff, holding the batch (and, through the full
/// queue, the pipeline and the broker) until the database is back. A batch the database
/// refuses for its data is split until the refused rows are found; those become dead letters.
///
/// - Important: `submit` blocks while `capacity` batches wait. Call `finish()` once, after
///   the last `submit`; it returns when everything submitted was committed or given up.
final class DatabaseWriter: @unchecked Sendable {
    private let config: IngestConfig
    private let logger: Logger
    private let stats: RuntimeStats
    private let onCommitted: @Sendable (Batch) -> Void
    private let queue = BlockingQueue<Batch>(capacity: 2)
    private var thread: WorkerThread?
    private let stopLock = ConditionLock()
    private var stopDeadline: ContinuousClock.Instant?
    /// Readings that could not be written before the stop deadline.
    private(set) var abandonedReadings = 0

    private var connection: PostgresConnection?
    private var writer: SensorBatchWriter?
    private var partitioned = false
    private var nextPartitionCheck = ContinuousClock.now

    init(config: IngestConfig, logger: Logger, stats: RuntimeStats, onCommitted: @escaping @Sendable (Batch) -> Void) {
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
        stopLock.withLock { stopDeadline = .now + timeout }
        queue.close()
        thread?.join()
    }

    private var pastStopDeadline: Bool {
        stopLock.withLock { stopDeadline.map { ContinuousClock.now >= $0 } ?? false }
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
                // Only a lost connection gets here: retry the whole batch. Readings are
                // idempotent (ON CONFLICT), so parts already committed are not doubled.
                stats.writeFailed()
                connection = nil
                writer = nil
                if pastStopDeadline {
                    abandonedReadings += batch.readings.count
                    logger.critical("stopping with the database unreachable: \(batch.readings.count) readings and \(batch.deadLetters.count) dead letters were not written",
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
    private func isRefusal(_ error: Error) -> Bool {
        guard let error = error as? PostgresError else { return false }
        return !error.isConnectionLoss && (connection?.isHealthy ?? false)
    }

    /// Writes the batch; if the database refuses it for its data, finds the refused rows.
    /// Throws only when the connection is lost.
    private func writeIsolatingRefusals(_ batch: Batch) throws {
        do {
            try write(batch)
        } catch where isRefusal(error) {
            stats.writeFailed()
            logger.error("database refused a batch: \(error); finding the refused rows", metadata: ["rows": "\(batch.count)"])
            try isolateRefused(batch)
        }
    }

    private func write(_ batch: Batch) throws {
        let w = try connectedWriter()
        let start = ContinuousClock.now
        try w.write(batch)
        let elapsed = start.duration(to: .now)
        stats.committed(rows: batch.readings.count, deadLetters: batch.deadLetters.count,
                        micros: elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)
        onCommitted(batch)
    }

    /// Splits a refused batch in halves until each refused reading stands alone, then stores
    /// it as a dead letter with the database's reason. A lost connection is thrown, never
    /// swallowed, so that the caller retries and nothing is dropped.
    private func isolateRefused(_ batch: Batch) throws {
        if batch.count <= 1 {
            do {
                try write(batch)
                return
            } catch where isRefusal(error) {
                guard let r = batch.readings.first else {
                    logger.error("database refused a dead letter; it is only logged: \(error)", metadata: ["dead_letter": "\(batch.deadLetters)"])
                    return
                }
                let text = "{\"device\":\(jsonString(r.device)),\"metric\":\(jsonString(r.metric)),\"ts\":\"\(r.ts)\",\"value\":\(r.value)}"
                let letter = DeadLetter(topic: "", family: "sensor", reasonCode: "database_refused",
                                        reason: "the database refused the reading: \(error)", payload: Array(text.utf8),
                                        bound: config.limits.deadLetterPayloadBytes, receivedAt: r.receivedAt)
                try isolateRefused(Batch(deadLetters: [letter]))
                return
            }
        }
        let readingsHalf = batch.readings.count / 2
        let lettersHalf = batch.deadLetters.count / 2
        let halves = [
            Batch(readings: Array(batch.readings[..<readingsHalf]), deadLetters: Array(batch.deadLetters[..<lettersHalf]), mayRepeatKeys: batch.mayRepeatKeys),
            Batch(readings: Array(batch.readings[readingsHalf...]), deadLetters: Array(batch.deadLetters[lettersHalf...]), mayRepeatKeys: batch.mayRepeatKeys),
        ]
        for half in halves where !half.isEmpty {
            do {
                try write(half)
            } catch where isRefusal(error) {
                try isolateRefused(half)
            }
        }
    }

    private func connectedWriter() throws -> SensorBatchWriter {
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
        let w = SensorBatchWriter(connection: c, method: config.writer.method)
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
            usleep(UInt32(step.components.attoseconds / 1_000_000_000_000 + step.components.seconds * 1_000_000))
            remaining -= step
        }
    }
}

/// A JSON string literal for `s`.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            let hex = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}
