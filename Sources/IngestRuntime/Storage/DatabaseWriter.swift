import IngestCore
import Logging
import PostgresClient
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Owns one PostgreSQL connection on its own thread and writes batches in order, each until
/// every entry of it is committed:
/// - An error that is not the data's fault (`PostgresError.Kind.retryable`: a lost connection,
///   a read-only standby, a full disk, a missing table…) is retried with exponential backoff
///   (`writer.retry_min` to `writer.retry_max`) on a new connection, holding the batch — and,
///   through the full queue, the pipeline and the broker — for as long as it lasts.
/// - A batch the database refuses for its data (`.data`) is searched for the refused entries
///   (`RefusalSearch`: halves, then entry by entry, at most `RefusalSearch.maxWrites` parts)
///   in one transaction, each part under a savepoint, beating the heartbeat between parts;
///   each refused row becomes a `database_refused` dead letter of the message it came from
///   (its topic and original payload). A dead letter the database refuses is stored without
///   its payload; if even that is refused it is retried like an outage: a dead letter is
///   never dropped.
/// - Rows are idempotent (ON CONFLICT on their natural keys) and dead letters too (their
///   `key`), so a batch retried after a partial commit, or replayed, is stored once.
///
/// - Important: `submit` blocks while `capacity` batches wait. `stop(by:)` may be called from
///   any thread, any time; `finish()` once, after the last `submit`. Past the stop deadline,
///   batches are given up without another attempt: counted in `abandonedBatches` and
///   `abandonedRows`, logged once, never reported to `onSettled`.
final class DatabaseWriter: @unchecked Sendable {  // its connection state is touched only by its own thread
    private let config: IngestConfig
    private let logger: Logger
    private let stats: RuntimeStats
    private let onCommitted: @Sendable (Batch, [CommitEffect]) -> Void
    private let onSettled: @Sendable (_ lastSequence: UInt64?) -> Void
    private let queue = BlockingQueue<Batch>(capacity: 2)
    private var thread: WorkerThread?
    private let stopDeadline = Mutex<ContinuousClock.Instant?>(nil)
    private let abandoned = Mutex(Abandoned())

    /// What was given up at the stop deadline.
    private struct Abandoned {
        var batches = 0
        var rows = 0
        var deadLetters = 0
        var lastError = ""
    }

    /// Rows that could not be written before the stop deadline.
    var abandonedRows: Int { abandoned.withLock { $0.rows } }
    /// Batches not settled before the stop deadline (their rows, dead letters, or both).
    var abandonedBatches: Int { abandoned.withLock { $0.batches } }

    private var connection: PostgresConnection?
    private var writer: BatchWriter?
    private var partitioned = false
    private var nextPartitionCheck = ContinuousClock.now

    /// - Parameters:
    ///   - onCommitted: after each committed write (a batch, a part of one during the refusal
    ///     search, dead letters of refused rows), with what it changed; for publishing.
    ///   - onSettled: once per submitted batch, in order, after every entry of it is committed
    ///     (its rows, its dead letters, the dead letters of its refused rows), with its
    ///     `lastSequence`. Never for a batch given up at the stop deadline. Called on the
    ///     writer's thread.
    init(config: IngestConfig, logger: Logger, stats: RuntimeStats,
         onCommitted: @escaping @Sendable (Batch, [CommitEffect]) -> Void,
         onSettled: @escaping @Sendable (_ lastSequence: UInt64?) -> Void = { _ in },
         heartbeat: Heartbeat.Worker? = nil, health: Health? = nil, metrics: IngestMetrics? = nil) {
        self.heartbeat = heartbeat
        self.health = health
        self.metrics = metrics
        self.config = config
        self.logger = logger
        self.stats = stats
        self.onCommitted = onCommitted
        self.onSettled = onSettled
    }

    func start() {
        thread = WorkerThread(name: "ingestd-writer") { [self] in run() }
    }

    /// Hands a batch over, waiting while `capacity` batches wait; `whileWaiting` runs about
    /// once a second meanwhile (the pipeline's heartbeat: waiting on the writer is not stuck).
    func submit(_ batch: Batch, whileWaiting: () -> Void = {}) {
        while queue.push(batch, until: .now + .seconds(1)) == .timedOut { whileWaiting() }
    }

    /// Beats at least once a second while idle or backing off; a database call that hangs
    /// stops the beats, and the watchdog restarts ingestd.
    private let heartbeat: Heartbeat.Worker?
    /// Told of every commit and every failure, for `/readyz` and the progress line.
    private let health: Health?
    private let metrics: IngestMetrics?

    /// Batches waiting for the writer (at most its queue's capacity).
    var queued: Int { queue.count }

    /// From `deadline` on, a batch that is not committed is given up instead of attempted
    /// (again), so that a stop during an outage ends in time. The earliest deadline set wins.
    /// Callable from any thread (a signal handler's), before or after `finish()` started.
    func stop(by deadline: ContinuousClock.Instant) {
        stopDeadline.withLock { current in current = min(current ?? deadline, deadline) }
    }

    /// Writes what was submitted and stops the thread: returns when every batch is settled or
    /// given up at the stop deadline. Without a deadline (`stop(by:)`), it waits for as long
    /// as the database takes to come back.
    func finish() {
        queue.close()
        thread?.join()
    }

    private var pastStopDeadline: Bool {
        stopDeadline.withLock { deadline in deadline.map { ContinuousClock.now >= $0 } ?? false }
    }

    private func run() {
        while let batches = queue.popAll(until: .now + .seconds(1)) {
            heartbeat?.beat()
            if batches.isEmpty { probeIfIdle() }
            for batch in batches {
                if settle(batch) { onSettled(batch.lastSequence) }
            }
        }
        connection = nil
        writer = nil
        let given = abandoned.withLock { $0 }
        if given.batches > 0 {
            logger.critical("stopped before the database took everything: \(given.batches) batches (\(given.rows) rows, \(given.deadLetters) dead letters) were not written",
                            metadata: ["last_error": "\(given.lastError)"])
        }
    }

    // MARK: Probing while idle

    /// How long the writer may go without a word from the database before it asks: a
    /// `SELECT 1` on its own connection (connecting if it has none), from its own thread.
    /// With the idle wait of a second, `/readyz` turns within about 3 s of the database going
    /// away, well inside the 10 s the README promises, while a busy writer never probes.
    static let idleProbeInterval: Duration = .seconds(2)
    /// The last commit, failure or probe.
    private var lastContact = ContinuousClock.now
    /// Whether the last probe failed, so that an outage is logged once, not every probe.
    private var probeFailing = false

    /// Probes the database when nothing was written for `idleProbeInterval`, so that readiness
    /// follows the database while no message arrives. A failure is told to `Health` (and so
    /// to `/readyz`) and drops the connection; the next probe connects again.
    private func probeIfIdle() {
        guard ContinuousClock.now - lastContact >= Self.idleProbeInterval, !pastStopDeadline else { return }
        defer { lastContact = .now }
        do {
            try connectedWriter().connection.execute("SELECT 1")
            health?.databaseReached()
            if probeFailing { logger.notice("the database answers again") }
            probeFailing = false
        } catch {
            connection = nil
            writer = nil
            health?.databaseFailed(Self.summary(error))
            if !probeFailing { logger.warning("the database does not answer while idle; not ready until it does: \(error)") }
            probeFailing = true
        }
    }

    // MARK: Settling a batch

    /// A dead letter still to commit; `stripped` once it lost its payload to a refusal.
    private struct PendingLetter {
        var letter: DeadLetter
        var stripped: Bool
    }

    /// What is left of a batch to commit: the batch itself until it is written (refusals
    /// isolated), then the dead letters of what was refused.
    private struct Pending {
        var batch: Batch?
        var letters: [PendingLetter] = []
    }

    /// A dead letter the database refused even without its payload.
    private struct UnstorableDeadLetter: Error, CustomStringConvertible {
        var error: any Error
        var description: String { "the database refused a dead letter even without its payload: \(error)" }
    }

    /// Writes `batch` until all of it is committed; false if the stop deadline came first.
    /// The deadline is checked before anything else: once a batch was given up no later one
    /// may settle, not even an empty one, since settling a sequence number settles all before it.
    private func settle(_ batch: Batch) -> Bool {
        var pending = Pending(batch: batch)
        var delay = config.writer.retryMin
        var failures = 0
        while true {
            if pastStopDeadline {
                abandon(batch, failures: failures)
                return false
            }
            if batch.isEmpty { return true }
            do {
                try advance(&pending)
                if failures > 0 { logger.notice("database write succeeded after \(failures) failed attempts") }
                health?.databaseReached()
                lastContact = .now
                return true
            } catch {
                // Not the data's fault: a new connection, the same batch. Whatever was committed
                // before the error is written again and changes nothing (ON CONFLICT).
                failures += 1
                stats.writeFailed()
                connection = nil
                writer = nil
                abandoned.withLock { $0.lastError = "\(error)" }
                health?.databaseFailed(Self.summary(error))
                lastContact = .now
                if error is UnstorableDeadLetter {
                    logger.critical("\(error); retrying in \(delay)",
                                    metadata: ["dead_letters": "\(pending.letters.map(\.letter.json))"])
                } else {
                    logger.warning("database write failed, retrying in \(delay): \(error)")
                }
                sleep(for: delay)
                delay = min(delay * 2, config.writer.retryMax)
            }
        }
    }

    private func abandon(_ batch: Batch, failures: Int) {
        guard !batch.isEmpty else { return }
        abandoned.withLock {
            $0.batches += 1
            $0.rows += batch.rowCount
            $0.deadLetters += batch.deadLetters.count
            if failures == 0 && $0.lastError.isEmpty { $0.lastError = "the stop deadline passed before the batch was written" }
        }
    }

    /// Commits what is pending, step by step; throws for anything that is not a refusal of
    /// data, leaving in `pending` what must be tried again.
    private func advance(_ pending: inout Pending) throws {
        if let batch = pending.batch {
            pending.letters = try writeIsolatingRefusals(batch)
            pending.batch = nil
        }
        while !pending.letters.isEmpty {
            try writeDeadLetters(&pending.letters)
        }
    }

    /// Writes the batch; each entry the database refuses for its data comes back as a dead
    /// letter still to commit: a refused row as a `database_refused` dead letter of its
    /// message, a refused dead letter without its payload. Throws when the search meets an error that
    /// is not a refusal; the whole batch is then retried.
    private func writeIsolatingRefusals(_ batch: Batch) throws -> [PendingLetter] {
        let wholeRefused: any Error
        do {
            try write(batch)
            return []
        } catch where isRefusal(error) {
            wholeRefused = error
        }
        logger.warning("the database refused a batch of \(batch.count) entries for their data; searching for the refused ones",
                       metadata: ["error": "\(Self.summary(wholeRefused))"])
        let w = try connectedWriter()
        let start = ContinuousClock.now
        let entries = Batch(tables: batch.tables, deadLetters: batch.deadLetters, lastSequence: batch.lastSequence)
        var outcome: BatchWriter.SearchOutcome
        do {
            outcome = try w.searchRefusals(entries, wholeRefused: wholeRefused, isRefusal: isRefusal,
                                           step: { [heartbeat] in heartbeat?.beat() })
        } catch where isRefusal(error) {
            // Only the search's own COMMIT can be refused (a DBA's deferred constraint): then
            // each part is its own transaction, as slow as it is sure.
            logger.warning("the database refused the refusal search's commit; searching again, a transaction per part: \(Self.summary(error))")
            outcome = BatchWriter.SearchOutcome()
            outcome.refused = try RefusalSearch.run(entries, write: { part in
                heartbeat?.beat()
                outcome.steps += 1
                try write(part)
            }, isRefusal: isRefusal, wholeRefused: wholeRefused)
        }
        let elapsed = start.duration(to: .now)
        let written = outcome.written
        if !written.isEmpty {
            committed(Batch(tables: written.flatMap(\.part.tables), deadLetters: written.flatMap(\.part.deadLetters),
                            lastSequence: batch.lastSequence),
                      effects: written.flatMap(\.effects), elapsed: elapsed)
        }
        let refused = outcome.refused
        // The whole batch was refused, so its alert changes were not written; the search
        // writes no alerts (`Batch.split`, `Batch.entries`).
        try writeDerived(batch.derived)
        stats.writeFailed()
        logger.error("the database refused \(refused.count) of \(batch.count) entries of a batch for their data; the rest is committed",
                     metadata: ["first_error": "\(refused.first.map { Self.summary($0.error) } ?? "")",
                                "search_writes": "\(outcome.steps)", "search_ms": "\(elapsed.wholeMicroseconds / 1000)"])
        return deadLetters(refused)
    }

    /// The dead letters of what the search found: a refused row as a `database_refused` dead
    /// letter of the message it came from (its topic and payload as they arrived; the row's
    /// JSON only for rows without a recorded origin), one per message however many of its rows
    /// were refused (a dead letter's key is its message's, so two would be stored as one); a
    /// refused dead letter without its payload.
    private func deadLetters(_ refused: [(entry: Batch, error: any Error)]) -> [PendingLetter] {
        var letters: [PendingLetter] = []
        /// Index in `letters` and refused rows so far, by message (topic and sequence).
        var byMessage: [MessageIdentity: (index: Int, rows: Int, reason: String)] = [:]
        for (entry, error) in refused {
            if let rows = entry.tables.first {
                let reason = "the database refused the row: \(Self.summary(error))"
                guard let origin = rows.origin(at: 0) else {
                    let letter = DeadLetter(topic: "", family: rows.family.rawValue, reasonCode: "database_refused",
                                            reason: reason, payload: Array(rows.json(at: 0).utf8),
                                            bound: config.limits.deadLetterPayloadBytes, receivedAt: rows.receivedAt(at: 0))
                    letters.append(PendingLetter(letter: letter, stripped: false))
                    continue
                }
                let identity = MessageIdentity(topic: origin.topic, sequence: origin.sequence, receivedAt: origin.receivedAt.microseconds)
                if let known = byMessage[identity] {
                    let n = known.rows + 1
                    byMessage[identity] = (known.index, n, known.reason)
                    letters[known.index].letter.reason = "the database refused \(n) rows of the message, the first: \(known.reason)"
                    continue
                }
                let bound = config.limits.deadLetterPayloadBytes
                let letter = DeadLetter(topic: origin.topic, family: rows.family.rawValue, reasonCode: "database_refused",
                                        reason: reason, payload: Array(origin.payload.prefix(bound)), payloadSize: origin.size,
                                        receivedAt: origin.receivedAt, sequence: origin.sequence)
                byMessage[identity] = (letters.count, 1, Self.summary(error))
                letters.append(PendingLetter(letter: letter, stripped: false))
            } else {
                for letter in entry.deadLetters {
                    letters.append(PendingLetter(letter: letter.withoutPayload(refusedBecause: Self.summary(error)), stripped: true))
                }
            }
        }
        return letters
    }

    /// Which message a row came from.
    private struct MessageIdentity: Hashable {
        var topic: String
        var sequence: UInt64
        var receivedAt: Int64
    }

    /// Writes a batch's alert changes (and publishes its window summaries) on their own. If
    /// the database refuses the alerts for their data (a constraint a DBA added), they are
    /// logged and left out: they are derived from rows that are stored.
    private func writeDerived(_ derived: Batch) throws {
        guard !derived.isEmpty else { return }
        do {
            try write(derived)
        } catch where isRefusal(error) {
            logger.error("the database refused \(derived.alerts.count) alert changes for their data; they are not stored or published: \(error)",
                         metadata: ["alerts": "\(derived.alerts.map(\.alert.json))"])
            onCommitted(Batch(aggregates: derived.aggregates), [])
        }
    }

    /// Writes dead letters; those refused for their data stay in `letters` without their
    /// payload, for another round. Throws `UnstorableDeadLetter` when one is refused even so,
    /// and any error that is not a refusal; `letters` then holds what must be tried again.
    private func writeDeadLetters(_ letters: inout [PendingLetter]) throws {
        let batch = Batch(deadLetters: letters.map(\.letter))
        let refused = try RefusalSearch.run(batch, write: write, isRefusal: isRefusal)
        var next: [PendingLetter] = []
        var unstorable: (any Error)?
        for (entry, error) in refused {
            for letter in entry.deadLetters {
                if let known = letters.first(where: { $0.letter == letter }), known.stripped {
                    next.append(known)
                    unstorable = unstorable ?? error
                } else {
                    logger.error("the database refused a dead letter; storing it without its payload: \(error)",
                                 metadata: ["dead_letter": "\(letter.json)"])
                    next.append(PendingLetter(letter: letter.withoutPayload(refusedBecause: Self.summary(error)), stripped: true))
                }
            }
        }
        letters = next
        if let unstorable { throw UnstorableDeadLetter(error: unstorable) }
    }

    /// What a dead letter's reason quotes of a refusal: its first line, not the DETAIL that
    /// repeats the whole row (the payload a stripped dead letter must not carry back in).
    private static func summary(_ error: any Error) -> String {
        (error as? PostgresError)?.summary ?? "\(error)"
    }

    /// True for an error about the data, on a connection that is still usable.
    private func isRefusal(_ error: any Error) -> Bool {
        guard let error = error as? PostgresError else { return false }
        return error.kind == .data && (connection?.isHealthy ?? false)
    }

    private func write(_ batch: Batch) throws {
        let w = try connectedWriter()
        let start = ContinuousClock.now
        let effects = try w.write(batch)
        committed(batch, effects: effects, elapsed: start.duration(to: .now))
    }

    /// Counts and publishes what a commit wrote.
    private func committed(_ batch: Batch, effects: [CommitEffect], elapsed: Duration) {
        stats.committed(rows: batch.rowCount, deadLetters: batch.deadLetters.count,
                        micros: elapsed.wholeMicroseconds)
        metrics?.committed(batch, elapsed: elapsed)
        onCommitted(batch, effects)
    }

    private func connectedWriter() throws -> BatchWriter {
        if let writer, let connection, connection.isHealthy {
            if partitioned && ContinuousClock.now >= nextPartitionCheck { try ensurePartitions(connection) }
            return writer
        }
        let c = try DatabaseLogin.daemon(config.database).connect(overriding: connectTimeoutBeforeStopDeadline())
        try c.execute("SET synchronous_commit = on; SET client_min_messages = warning")
        let layout = try StorageLayout.recorded(on: c)
        partitioned = layout == .partitions
        if partitioned { try ensurePartitions(c) }
        logger.info("connected to the database", metadata: ["layout": "\(layout.rawValue)", "method": "\(config.writer.method.rawValue)",
                                                            "server_version": "\(c.serverVersion)"])
        stats.databaseConnected()
        health?.databaseReached()
        let w = BatchWriter(connection: c, method: config.writer.method)
        connection = c
        writer = w
        return w
    }

    /// Once a stop deadline is set, a connect may not wait past it for longer than libpq's
    /// shortest `connect_timeout` (2 s; libpq raises smaller values to 2).
    private func connectTimeoutBeforeStopDeadline() -> [PostgresConnection.Parameter] {
        guard let deadline = stopDeadline.withLock({ $0 }) else { return [] }
        let seconds = max(2, ContinuousClock.now.duration(to: deadline).components.seconds + 1)
        let configured = (try? PostgresConnection.parameters(for: config.database.url))?
            .first { $0.keyword == "connect_timeout" }.flatMap { Int64($0.value) }
        if let configured, configured > 0, configured <= seconds { return [] }
        return [PostgresConnection.Parameter("connect_timeout", String(seconds))]
    }

    /// The call, by its schema and with typed arguments: where `public` is writable, an
    /// overload someone made there (`ingestd_ensure_partitions(text, text)`, a better match
    /// for untyped parameters) is never the one called.
    static let ensurePartitionsCall = "SELECT public.ingestd_ensure_partitions($1::int, $2::int)"

    /// The daily partitions from the oldest day validation accepts to `partitions_ahead_days`
    /// ahead, within the window the function allows (`LeastPrivilege`): older rows land in the
    /// default partition.
    private func ensurePartitions(_ c: PostgresConnection) throws {
        let back = min(RollupRefresher.partitionDaysBack(config.limits), LeastPrivilege.maxPartitionDaysBack)  // rollups: retention keeps clear of these days
        let ahead = min(config.storage.partitionsAheadDays, LeastPrivilege.maxPartitionDaysAhead)
        let created = try c.execute(Self.ensurePartitionsCall, [.text(String(back)), .text(String(ahead))]).value(0, 0) ?? "0"
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
            heartbeat?.beat()
        }
    }
}
