import Foundation
import IngestCore
@testable import IngestRuntime
import Logging
import PostgresClient
import Testing

/// Which errors make a dead letter and which are retried: the SQLSTATE table. Needs no stack.
@Suite struct PostgresErrorKindTests {
    static let data = [
        "21000",  // cardinality_violation: ON CONFLICT DO UPDATE touching a row twice
        "22001",  // string_data_right_truncation
        "22003",  // numeric_value_out_of_range
        "22007",  // invalid_datetime_format
        "22008",  // datetime_field_overflow
        "22021",  // character_not_in_repertoire (invalid UTF-8)
        "22P02",  // invalid_text_representation
        "22P05",  // untranslatable_character
        "23502",  // not_null_violation
        "23505",  // unique_violation
        "23514",  // check_violation (a constraint a DBA added)
        "23P01",  // exclusion_violation
        "54000",  // program_limit_exceeded: row too big, index row too large
        "54001",  // statement_too_complex: stack depth on a nested value
    ]
    static let retryable: [String?] = [
        "08000", "08001", "08003", "08006", "08P01",  // connection exceptions
        "25006",  // read_only_sql_transaction: failed over onto a standby
        "25P02",  // in_failed_sql_transaction
        "53100", "53200", "53300",  // disk full, out of memory, too many connections
        "42501",  // insufficient_privilege
        "42P01", "42703", "42883",  // undefined table, column, function: schema dropped or not migrated
        "57014",  // query_canceled (statement_timeout)
        "55P03", "55006",  // lock_not_available (lock_timeout), object_in_use
        "57P01", "57P02", "57P03",  // admin shutdown, crash shutdown, cannot connect now
        "40001", "40P01",  // serialization failure, deadlock
        "XX000", "XX001", "XX002",  // internal error, data or index corrupted on the server
        "P0001",  // a trigger's plain RAISE EXCEPTION
        "0A000",  // feature_not_supported
        nil,  // libpq's own error: the connection is gone
        "", "2", "220010",  // not a SQLSTATE
    ]

    @Test(arguments: data)
    func cardinalityDataConstraintAndProgramLimitErrorsAreTheDatasFault(state: String) {
        #expect(PostgresError.kind(ofSQLState: state) == .data)
        #expect(PostgresError(call: "COPY", sqlState: state, message: "refused").kind == .data)
    }

    @Test(arguments: retryable)
    func everythingElseIsRetryable(state: String?) {
        #expect(PostgresError.kind(ofSQLState: state) == .retryable)
    }

    @Test func aSummaryIsTheFirstLineOfTheMessageWithTheSQLSTATE() {
        let error = PostgresError(call: "COPY", sqlState: "23514", message: """
            ERROR:  new row for relation "dead_letters" violates check constraint "no_poison"
            DETAIL:  Failing row contains (5, \\x7b22).
            """)
        #expect(error.summary == #"COPY failed: ERROR:  new row for relation "dead_letters" violates check constraint "no_poison" (SQLSTATE 23514)"#)
    }
}

/// The libpq timeouts ingestd adds to a conninfo, and that a user's own value wins. Parsed by
/// libpq; nothing is connected.
@Suite struct ConnectionParametersTests {
    func parameters(_ conninfo: String, environment: [String: String] = [:]) throws -> [String: String] {
        let list = try PostgresConnection.parameters(for: conninfo, environment: { environment[$0] })
        #expect(Set(list.map(\.keyword)).count == list.count, "each keyword once: \(list)")
        return Dictionary(uniqueKeysWithValues: list.map { ($0.keyword, $0.value) })
    }

    @Test func timeoutsAndKeepalivesAreAddedToAURLThatSetsNone() throws {
        let p = try parameters("postgresql://ingestd@db.example:5433/ingestd")
        #expect(p["connect_timeout"] == "10")
        #expect(p["keepalives"] == "1")
        #expect(p["keepalives_idle"] == "30")
        #expect(p["keepalives_interval"] == "10")
        #expect(p["keepalives_count"] == "3")
        #expect(p["tcp_user_timeout"] == "30000")
        #expect(p["host"] == "db.example" && p["port"] == "5433" && p["user"] == "ingestd" && p["dbname"] == "ingestd")
    }

    @Test func aURLsOwnValuesWin() throws {
        let p = try parameters("postgresql://ingestd@db/ingestd?connect_timeout=3&keepalives=0&sslmode=require")
        #expect(p["connect_timeout"] == "3")
        #expect(p["keepalives"] == "0")
        #expect(p["sslmode"] == "require")
        #expect(p["tcp_user_timeout"] == "30000", "what the URL leaves out is still added")
    }

    @Test func aKeyValueConninfosOwnValuesWin() throws {
        let p = try parameters("host=db dbname=ingestd tcp_user_timeout=5000 keepalives_idle=120")
        #expect(p["tcp_user_timeout"] == "5000")
        #expect(p["keepalives_idle"] == "120")
        #expect(p["connect_timeout"] == "10")
    }

    @Test func PGCONNECT_TIMEOUTInTheEnvironmentWins() throws {
        let p = try parameters("postgresql://db/ingestd", environment: ["PGCONNECT_TIMEOUT": "4"])
        #expect(p["connect_timeout"] == nil, "left to libpq, which reads the variable")
        #expect(p["keepalives"] == "1")
    }

    @Test func anOverrideWinsOverTheURLAndTheEnvironment() throws {
        let list = try PostgresConnection.parameters(for: "postgresql://db/x?connect_timeout=30",
                                                     overriding: [PostgresConnection.Parameter("connect_timeout", "3")],
                                                     environment: { $0 == "PGCONNECT_TIMEOUT" ? "60" : nil })
        #expect(list.filter { $0.keyword == "connect_timeout" } == [PostgresConnection.Parameter("connect_timeout", "3")])
    }

    @Test func anInvalidConninfoIsAnErrorThatSaysSo() {
        #expect {
            _ = try PostgresConnection.parameters(for: "host=db dbname", environment: { _ in nil })
        } throws: { error in
            "\(error)".contains("the database URL is not valid") && "\(error)".contains("dbname")
        }
    }

    @Test func aPasswordIsNeverPrinted() throws {
        let list = try PostgresConnection.parameters(for: "postgresql://u:s3cret@db/x", environment: { _ in nil })
        #expect(!"\(list)".contains("s3cret"))
        #expect(list.contains(PostgresConnection.Parameter("password", "s3cret")))
    }
}

/// Database faults against a real Mosquitto, PostgreSQL, ingestd and simulator: a read-only
/// database, a stopped one, constraints that refuse rows and dead letters, and dead letters
/// written twice. The simulator's manifest is the oracle.
extension StackTests {
@Suite struct DatabaseFaultsTests {
    // MARK: Helpers

    /// One value of `sql` on a connection of its own (ingestd's faults terminate backends).
    func value(_ url: String, _ sql: String) -> String? {
        (try? PostgresConnection(url).execute(sql).value(0, 0)) ?? nil
    }

    /// Polls `sql` until it equals `expected` or time runs out; returns the last value.
    @discardableResult
    func waitFor(_ url: String, _ sql: String, equals expected: String, timeout: Double = 60) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var got = value(url, sql)
        while got != expected && Date() < deadline {
            usleep(100_000)
            got = value(url, sql)
        }
        return got
    }

    func admin() throws -> PostgresConnection {
        guard let url = TestStack.adminDatabaseURL else { throw TestStack.NotConfigured() }
        return try PostgresConnection(url)
    }

    func databaseName(_ url: String) -> String { String(url[url.index(after: url.lastIndex(of: "/")!)...]) }

    /// Ends every session on the database: ingestd must connect again.
    func terminateSessions(_ url: String) throws {
        try admin().execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1",
                            [.text(databaseName(url))])
    }

    /// Starts the simulator on all four families at a modest rate.
    func startRun(root: String, count: Int, rate: Int) throws -> (sim: ChildProcess, manifest: URL) {
        let manifest = FileManager.default.temporaryDirectory.appendingPathComponent("\(root)-manifest.json")
        let sim = try Simulator.start(topicRoot: root, count: count, rate: rate, duplicates: 0.02, malformed: 0.01,
                                      families: "sensor,battery,equipment,machine", manifest: manifest)
        return (sim, manifest)
    }

    /// Waits until some rows are in: the middle of a run.
    func waitForMidRun(_ url: String, rows: Int) {
        let deadline = Date().addingTimeInterval(20)
        while Int(value(url, "SELECT count(*) FROM sensor_readings") ?? "") ?? 0 < rows && Date() < deadline { usleep(50_000) }
    }

    /// Waits for the simulator, then expects every table to hold exactly what its manifest says.
    func expectEveryTableMatchesTheManifest(_ run: (sim: ChildProcess, manifest: URL), dbURL: String, daemon: ChildProcess,
                                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(run.sim.waitForExit() == 0, "simulator failed:\n\(run.sim.output)", sourceLocation: sourceLocation)
        let manifest = try Simulator.readManifest(run.manifest)
        #expect(manifest.acknowledged == manifest.published, sourceLocation: sourceLocation)
        let wrong = ManifestTables(manifest).mismatches(databaseURL: dbURL, timeout: 90)
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "; "))\ningestd log:\n\(daemon.output.suffix(2000))",
                sourceLocation: sourceLocation)
        #expect(value(dbURL, "SELECT count(*) FROM dead_letters WHERE reason_code = 'database_refused'") == "0",
                "no row may be blamed for the database's state", sourceLocation: sourceLocation)
    }

    /// A writer of the test's own, on a migrated fresh database, that records what settled.
    final class WriterProbe: @unchecked Sendable {  // `settled` is guarded by `lock`
        let writer: DatabaseWriter
        let stats = RuntimeStats()
        private let lock = NSLock()
        private var settledSequences: [UInt64?] = []

        init(databaseURL: String, retryMin: Duration = .milliseconds(100), retryMax: Duration = .seconds(1)) {
            var config = IngestConfig()
            config.database.url = databaseURL
            config.writer.retryMin = retryMin
            config.writer.retryMax = retryMax
            var logger = Logger(label: "ingestd.writer")
            logger.logLevel = .warning
            let box = Box()
            writer = DatabaseWriter(config: config, logger: logger, stats: stats, onCommitted: { _, _ in },
                                    onSettled: { box.probe?.settled($0) })
            box.probe = self
            writer.start()
        }

        private final class Box: @unchecked Sendable { weak var probe: WriterProbe? }

        private func settled(_ sequence: UInt64?) { lock.withLock { settledSequences.append(sequence) } }
        var settled: [UInt64?] { lock.withLock { settledSequences } }

        func waitForSettled(_ count: Int, timeout: Double = 30) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while settled.count < count && Date() < deadline { usleep(20_000) }
            return settled.count >= count
        }

        func waitForFailures(_ count: Int, timeout: Double = 30) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while stats.snapshot.writeFailures < count && Date() < deadline { usleep(20_000) }
            return stats.snapshot.writeFailures >= count
        }
    }

    func migratedDatabase(_ label: String) throws -> String {
        let url = try TestStack.freshDatabase(label)
        var config = IngestConfig()
        config.database.url = url
        var logger = Logger(label: "ingestd.migrate")
        logger.logLevel = .warning
        _ = try DatabaseSetup.migrate(config: config, logger: logger)
        return url
    }

    static let t0 = Timestamp.now()

    func reading(_ device: String, _ value: Double, at seconds: Int64 = 0) -> SensorReading {
        SensorReading(ts: Self.t0 + seconds, device: device, metric: "temp", value: value, site: "s1", line: "l1",
                      receivedAt: Self.t0 + seconds)
    }

    func letter(_ topic: String, payload: String = #"{"value":"#, at seconds: Int64 = 0, sequence: UInt64 = 0) -> DeadLetter {
        DeadLetter(topic: topic, family: "sensor", reasonCode: "malformed_json", reason: "the payload is not valid JSON",
                   payload: Array(payload.utf8), bound: 4096, receivedAt: Self.t0 + seconds, sequence: sequence)
    }

    // MARK: ingestd and the simulator

    @Test("the database read-only for 10 s in the middle of a run: batches are held and retried, every table matches the manifest, no reading is blamed")
    func aReadOnlyDatabaseMidRunHoldsTheBatchesAndEveryTableMatchesTheManifest() throws {
        let root = TestStack.uniqueTopicRoot("readonly")
        let dbURL = try TestStack.freshDatabase("readonly")
        let name = databaseName(dbURL)
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, writerRetry: "100ms"))
        let run = try startRun(root: root, count: 9_000, rate: 1_500)
        waitForMidRun(dbURL, rows: 500)
        // A failover onto a standby, as ingestd sees it: every new session is read-only.
        try admin().execute("ALTER DATABASE \(name) SET default_transaction_read_only = on")
        try terminateSessions(dbURL)
        #expect(daemon.waitForOutput("25006", timeout: 10), "ingestd never met the read-only database:\n\(daemon.output.suffix(2000))")
        usleep(10_000_000)
        #expect(value(dbURL, "SELECT count(*) FROM dead_letters WHERE reason_code = 'database_refused'") == "0")
        try admin().execute("ALTER DATABASE \(name) RESET default_transaction_read_only")
        try terminateSessions(dbURL)
        try expectEveryTableMatchesTheManifest(run, dbURL: dbURL, daemon: daemon)
        #expect(daemon.process.isRunning, "ingestd stopped:\n\(daemon.output.suffix(3000))")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    /// The memory bound. The same run without an outage peaks at about 51 MB (measured:
    /// 16 MB anonymous, 35 MB file-backed: the binary, its libraries and one 8 MB journal
    /// segment) with the dedup windows at 20,000 keys (the default 200,000 keys reserve about
    /// 80 MB more, outage or not, and would hide what this test looks for). While the
    /// database is away ingestd holds at most its inbox, the pipeline's pending batch and the
    /// writer's two queued batches and the one it retries: 4 × 5,000 rows of a few hundred
    /// bytes, under 10 MB. 96 MB is that plus allocator slack and a second journal segment;
    /// buffering what arrives during the outage in memory, or keeping settled journal
    /// segments mapped, would cross it once the outage is long enough, which is why the
    /// peak is printed.
    static let peakMemoryBoundKiB = 96 * 1024
    static let smallDedupWindows = "dedup:\n  window_keys: 20000"

    @Test("the database stopped for 20 s in the middle of a run: nothing is lost, nothing doubled, and ingestd's memory stays bounded")
    func aDatabaseStoppedFor20SecondsMidRunLosesNothingWithinBoundedMemory() throws {
        let root = TestStack.uniqueTopicRoot("pgdown")
        let dbURL = try TestStack.freshDatabase("pgdown")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, writerRetry: "100ms",
                                                                                 extra: Self.smallDedupWindows))
        let run = try startRun(root: root, count: 15_000, rate: 2_500)
        waitForMidRun(dbURL, rows: 500)
        let restart = try TestStack.restart("postgres", downSeconds: 20)
        #expect(restart.waitForExit(timeout: 120) == 0, "restart failed:\n\(restart.output)")
        try expectEveryTableMatchesTheManifest(run, dbURL: dbURL, daemon: daemon)
        #expect(daemon.output.contains("retrying"), "ingestd never saw the database go away")
        let peak = try #require(daemon.peakResidentKiB, "ingestd is not running:\n\(daemon.output.suffix(3000))")
        print("ingestd peak resident memory (VmHWM) across a 20 s database outage: \(peak / 1024) MB (bound \(Self.peakMemoryBoundKiB / 1024) MB)")
        #expect(peak < Self.peakMemoryBoundKiB)
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("a CHECK constraint refusing some readings while malformed messages arrive in the same batches: the refused readings become database_refused dead letters, the rest lands, ingestd stays up")
    func refusedReadingsAmongMalformedMessagesBecomeDeadLettersAndTheRestLands() throws {
        let root = TestStack.uniqueTopicRoot("refusedmix")
        let dbURL = try TestStack.freshDatabase("refusedmix")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        try TestStack.migrate(config: config)
        try PostgresConnection(dbURL).execute("ALTER TABLE sensor_readings ADD CONSTRAINT no_sentinel CHECK (value <> -999)")
        let daemon = try TestStack.startIngestd(config: config)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var valid = 0, refused = 0, malformed = 0
        for i in 0..<300 {
            let topic = "\(root)/s1/l1/sensor/dev\(i % 7)/temp"
            switch i % 10 {
            case 3:
                refused += 1
                try publisher.publish(topic: topic, payload: #"{"ts":\#(now - Int64(i)),"value":-999}"#)
            case 7:
                malformed += 1
                try publisher.publish(topic: topic, payload: #"{"ts":\#(now - Int64(i)),"value":"#)
            default:
                valid += 1
                try publisher.publish(topic: topic, payload: #"{"ts":\#(now - Int64(i)),"value":\#(i)}"#)
            }
        }
        #expect(waitFor(dbURL, "SELECT count(*) FROM dead_letters", equals: "\(refused + malformed)") == "\(refused + malformed)",
                "ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(waitFor(dbURL, "SELECT count(*) FROM sensor_readings", equals: "\(valid)") == "\(valid)")
        #expect(value(dbURL, "SELECT count(*) FROM dead_letters WHERE reason_code = 'database_refused'") == "\(refused)")
        #expect(value(dbURL, "SELECT count(*) FROM dead_letters WHERE reason_code = 'malformed_json'") == "\(malformed)")
        #expect(value(dbURL, """
            SELECT count(*) FROM dead_letters WHERE reason_code = 'database_refused'
               AND reason LIKE '%no_sentinel%' AND convert_from(payload, 'UTF8')::jsonb->>'value' = '-999'
            """) == "\(refused)", "each refused reading is kept as its row, with the constraint that refused it")
        #expect(value(dbURL, "SELECT count(*) FROM sensor_readings WHERE value = -999") == "0")
        #expect(daemon.process.isRunning)
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    // MARK: The writer

    @Test("a dead letter written twice — the same batch again, then replayed by a new writer as after a restart — is stored once")
    func aReplayedDeadLetterIsStoredOnce() throws {
        let dbURL = try migratedDatabase("replay")
        let letters = [letter("plant/s1/l1/sensor/d1/temp", sequence: 7), letter("plant/s1/l1/sensor/d2/temp", sequence: 8)]
        let batch = Batch(tables: [Rows([reading("d3", 1)])], deadLetters: letters, lastSequence: 8)
        let first = WriterProbe(databaseURL: dbURL)
        first.writer.submit(batch)
        first.writer.submit(batch)
        first.writer.finish()
        #expect(first.settled == [8, 8])
        let afterRestart = WriterProbe(databaseURL: dbURL)
        afterRestart.writer.submit(batch)
        afterRestart.writer.finish()
        #expect(afterRestart.settled == [8])
        #expect(value(dbURL, "SELECT count(*) FROM dead_letters") == "2")
        #expect(value(dbURL, "SELECT count(DISTINCT message_key) FROM dead_letters") == "2")
        #expect(value(dbURL, "SELECT count(*) FROM sensor_readings") == "1")
        #expect(value(dbURL, "SELECT bool_and(message_key IS NOT NULL) FROM dead_letters") == "t")
    }

    @Test("a batch with a refused row settles once, after the row's database_refused dead letter is committed; written again, that dead letter is stored once")
    func aBatchWithARefusedRowSettlesOnceAfterItsDeadLetterIsCommitted() throws {
        let dbURL = try migratedDatabase("settle")
        try PostgresConnection(dbURL).execute("ALTER TABLE sensor_readings ADD CONSTRAINT no_sentinel CHECK (value <> -999)")
        let batch = Batch(tables: [Rows([reading("a", 1), reading("b", -999), reading("c", 3)])],
                          deadLetters: [letter("plant/s1/l1/sensor/x/temp")], lastSequence: 42)
        let probe = WriterProbe(databaseURL: dbURL)
        probe.writer.submit(batch)
        probe.writer.submit(batch)
        probe.writer.finish()
        #expect(probe.settled == [42, 42], "once per batch, each after all of it")
        #expect(value(dbURL, "SELECT count(*) FROM sensor_readings") == "2")
        #expect(value(dbURL, "SELECT string_agg(reason_code, ',' ORDER BY reason_code) FROM dead_letters") == "database_refused,malformed_json")
        #expect(value(dbURL, "SELECT family FROM dead_letters WHERE reason_code = 'database_refused'") == "sensor")
    }

    @Test("a dead letter the database refuses is stored without its payload; refused even so, it is retried until the database takes it, holding what follows")
    func aDeadLetterRefusedEvenWithoutItsPayloadIsRetriedNotDropped() throws {
        let dbURL = try migratedDatabase("poison")
        let db = try PostgresConnection(dbURL)
        // One constraint refuses large payloads (the letter is then stored without it), one
        // refuses a topic outright (even without its payload), as a DBA's rules might.
        try db.execute("""
            ALTER TABLE dead_letters ADD CONSTRAINT small_payloads CHECK (octet_length(payload) < 100);
            ALTER TABLE dead_letters ADD CONSTRAINT no_poison CHECK (topic NOT LIKE '%poison%')
            """)
        let probe = WriterProbe(databaseURL: dbURL)
        let large = letter("plant/s1/l1/sensor/big/temp", payload: String(repeating: "x", count: 500))
        probe.writer.submit(Batch(tables: [Rows([reading("a", 1)])], deadLetters: [large], lastSequence: 1))
        #expect(probe.waitForSettled(1))
        #expect(value(dbURL, "SELECT octet_length(payload) || ',' || payload_size FROM dead_letters") == "0,500")
        #expect(value(dbURL, "SELECT reason LIKE 'the database refused this dead letter (%small_payloads%' FROM dead_letters") == "t")
        #expect(value(dbURL, "SELECT reason LIKE '%Failing row%' FROM dead_letters") == "f", "the DETAIL would carry the payload back in")

        probe.writer.submit(Batch(tables: [Rows([reading("b", 2)])], deadLetters: [letter("plant/poison/x", at: 1)], lastSequence: 2))
        probe.writer.submit(Batch(tables: [Rows([reading("c", 3)])], lastSequence: 3))
        #expect(probe.waitForFailures(4), "the writer must keep retrying")
        #expect(probe.settled == [1], "neither the batch with the unstorable dead letter nor the next one is settled")
        #expect(value(dbURL, "SELECT count(*) FROM dead_letters WHERE topic LIKE '%poison%'") == "0")
        try db.execute("ALTER TABLE dead_letters DROP CONSTRAINT no_poison")
        #expect(probe.waitForSettled(3))
        probe.writer.finish()
        #expect(probe.settled == [1, 2, 3])
        #expect(value(dbURL, "SELECT count(*) FROM dead_letters WHERE topic = 'plant/poison/x' AND payload = ''::bytea") == "1")
        #expect(value(dbURL, "SELECT count(*) FROM sensor_readings") == "3")
        #expect(probe.writer.abandonedBatches == 0)
    }

    @Test("a stop during an outage gives up the held and the queued batches without settling them, an empty one after them included, and counts them")
    func aStopDuringAnOutageGivesUpTheBatchesWithoutSettlingThem() throws {
        // Nothing listens on port 1: every connect is refused at once.
        let probe = WriterProbe(databaseURL: "postgresql://postgres@127.0.0.1:1/nowhere")
        probe.writer.submit(Batch(tables: [Rows([reading("a", 1), reading("b", 2)])], lastSequence: 1))
        probe.writer.submit(Batch(tables: [Rows([reading("c", 3)])], deadLetters: [letter("t/x")], lastSequence: 2))
        #expect(probe.waitForFailures(2))
        probe.writer.stop(by: .now + .milliseconds(300))
        // Nothing to write, but settling it would settle the sequence numbers before it.
        probe.writer.submit(Batch(lastSequence: 3))
        probe.writer.finish()
        #expect(probe.settled.isEmpty)
        #expect(probe.writer.abandonedBatches == 2)
        #expect(probe.writer.abandonedRows == 3)
    }
}
}
