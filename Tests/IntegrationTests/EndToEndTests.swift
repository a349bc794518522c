import Foundation
@testable import IngestRuntime
import Mosquitto
import PostgresClient
import Testing

/// A real Mosquitto, a real PostgreSQL, the real `ingestd` and `ingestd-sim` processes: the
/// simulator's manifest is the oracle of what the database must hold.
extension StackTests {
@Suite struct EndToEndTests {
    struct Counts: Equatable, CustomStringConvertible {
        var readings: Int
        var deadLetters: Int
        var description: String { "\(readings) readings, \(deadLetters) dead letters" }
    }

    func counts(_ url: String) throws -> Counts {
        let db = try PostgresConnection(url)
        let row = try db.execute("SELECT (SELECT count(*) FROM sensor_readings), (SELECT count(*) FROM dead_letters)").rows[0]
        return Counts(readings: Int(row[0] ?? "") ?? -1, deadLetters: Int(row[1] ?? "") ?? -1)
    }

    /// Polls until the counts reach `expected` (or time runs out), then waits a moment more
    /// so that an overshoot would show.
    func settledCounts(_ url: String, expected: Counts, timeout: Double = 90) throws -> Counts {
        let deadline = Date().addingTimeInterval(timeout)
        var now = try? counts(url)
        // Settled: every reading in, and no dead letter missing (an overshoot shows after the wait).
        func settled(_ c: Counts?) -> Bool {
            guard let c else { return false }
            return c.readings == expected.readings && c.deadLetters >= expected.deadLetters
        }
        while !settled(now) && Date() < deadline {
            usleep(200_000)
            now = try? counts(url)
        }
        usleep(500_000)
        return try counts(url)
    }

    /// Starts the simulator with the run every fault test uses: 20,000 messages at 4,000/s,
    /// 2 % duplicates, 1 % malformed.
    func startFaultRun(root: String) throws -> (sim: ChildProcess, manifest: URL) {
        let manifestURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(root)-manifest.json")
        let sim = try Simulator.start(topicRoot: root, count: 20_000, rate: 4_000, duplicates: 0.02, malformed: 0.01,
                                      manifest: manifestURL)
        return (sim, manifestURL)
    }

    /// Waits until some thousands of readings are in: the middle of a fault run.
    func waitForMidRun(_ dbURL: String) throws {
        let deadline = Date().addingTimeInterval(20)
        while try counts(dbURL).readings < 4_000 && Date() < deadline { usleep(50_000) }
    }

    /// Waits for the simulator to finish, then expects the database to hold exactly what its
    /// manifest says, everything acknowledged.
    /// `redeliveredDeadLetters`: how many dead letters may stand twice. A broker restarted
    /// after delivering a message but before receiving its PUBACK delivers it again; readings
    /// absorb that through their key, dead letters (no natural key) are at least once.
    func expectManifestLanded(_ run: (sim: ChildProcess, manifest: URL), dbURL: String, daemon: ChildProcess,
                              context: String = "", redeliveredDeadLetters: Int = 0) throws {
        #expect(run.sim.waitForExit() == 0, "simulator failed:\n\(run.sim.output)")
        let manifest = try Simulator.readManifest(run.manifest)
        #expect(manifest.acknowledged == manifest.published)
        let expected = Counts(readings: manifest.expectedUniqueReadings, deadLetters: manifest.expectedDeadLetters)
        let got = try settledCounts(dbURL, expected: expected)
        #expect(got.readings == expected.readings, "\(context) got \(got); ingestd log:\n\(daemon.output.suffix(3000))")
        #expect((expected.deadLetters...(expected.deadLetters + redeliveredDeadLetters)).contains(got.deadLetters),
                "\(context) got \(got), expected \(expected)")
    }

    func layout(_ db: PostgresConnection) throws -> String {
        try db.execute("SELECT layout FROM ingestd_migrations WHERE version = 1").value(0, 0) ?? "none"
    }

    @Test("20,000 readings with 2 % duplicates and 1 % malformed land exactly as the manifest says",
          arguments: [("auto", "copy"), ("partitions", "unnest")])
    func simulatorRunLandsExactlyTheManifest(engine: String, method: String) throws {
        let root = TestStack.uniqueTopicRoot("exact")
        let dbURL = try TestStack.freshDatabase("exact")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, engine: engine, method: method)
        let listener = try MQTTListener(filter: "\(root)/ingestd/#")
        let daemon = try TestStack.startIngestd(config: config)
        let db = try PostgresConnection(dbURL)
        print("storage path under test: \(try layout(db)) (engine \(engine), method \(method))")

        let manifestURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(root)-manifest.json")
        let sim = try Simulator.start(topicRoot: root, count: 20_000, rate: 5_000, duplicates: 0.02, malformed: 0.01,
                                      manifest: manifestURL)
        #expect(sim.waitForExit() == 0, "simulator failed:\n\(sim.output)")
        let manifest = try Simulator.readManifest(manifestURL)
        #expect(manifest.acknowledged == 20_000)
        #expect(manifest.duplicateMessages > 0 && manifest.malformedMessages > 0)

        let expected = Counts(readings: manifest.expectedUniqueReadings, deadLetters: manifest.expectedDeadLetters)
        let got = try settledCounts(dbURL, expected: expected)
        #expect(got == expected, "ingestd log:\n\(daemon.output.suffix(3000))")
        // Every dead letter was also published, after its commit, with its reason.
        #expect(listener.waitFor(count: expected.deadLetters, onTopicPrefix: "\(root)/ingestd/deadletter/sensor"),
                "dead letters on MQTT: \(listener.count(onTopicPrefix: "\(root)/ingestd/deadletter/"))")
        #expect(listener.messages(onTopicPrefix: "\(root)/ingestd/deadletter/").allSatisfy { $0.contains("\"reason\":") })
        #expect(listener.messages(onTopicPrefix: "\(root)/ingestd/status").last?.contains("\"online\"") == true)

        let reasonless = try db.execute("SELECT count(*) FROM dead_letters WHERE reason = '' OR reason_code = ''").value(0, 0)
        #expect(reasonless == "0")
        let distinctKeys = try db.execute("SELECT count(DISTINCT (device, metric, ts)) FROM sensor_readings").value(0, 0)
        #expect(distinctKeys == String(expected.readings))
        if try layout(db) == "partitions" {
            // Daily partitions from max_age (7 d) + 1 back to partitions_ahead_days (3) ahead,
            // besides the default one; today's readings land in today's partition.
            let partitions = try db.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'sensor_readings'::regclass").value(0, 0)
            #expect(partitions == "13", "8 days back, today, 3 ahead, and the default partition")
            #expect(try db.execute("SELECT count(*) FROM sensor_readings_default").value(0, 0) == "0")
        }
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("ingestd stopped and restarted in the middle of a run loses nothing and adds no duplicate")
    func restartMidRunAddsNoDuplicate() throws {
        let root = TestStack.uniqueTopicRoot("restart")
        let dbURL = try TestStack.freshDatabase("restart")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        var daemon = try TestStack.startIngestd(config: config)
        let run = try startFaultRun(root: root)
        // Stop in the middle of the run, leave the broker to queue for a while, start again.
        try waitForMidRun(dbURL)
        let before = try counts(dbURL)
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
        #expect(before.readings > 0, "nothing arrived before the restart")
        usleep(1_000_000)
        daemon = try TestStack.startIngestd(config: config)
        try expectManifestLanded(run, dbURL: dbURL, daemon: daemon, context: "after the restart; before it: \(before);")
        #expect(daemon.terminate() == 0)
    }

    @Test("a PostgreSQL or broker restart in the middle of a run loses nothing and adds no duplicate",
          arguments: ["postgres", "mosquitto"])
    func serverRestartMidRunLosesNothing(service: String) throws {
        let root = TestStack.uniqueTopicRoot("restart\(service)")
        let dbURL = try TestStack.freshDatabase("restart\(service)")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, writerRetry: "100ms")
        let daemon = try TestStack.startIngestd(config: config)
        let run = try startFaultRun(root: root)
        try waitForMidRun(dbURL)
        let restart = try TestStack.restart(service, downSeconds: 2)
        #expect(restart.waitForExit(timeout: 120) == 0, "restart failed:\n\(restart.output)")
        // Only the broker's restart can redeliver what ingestd already processed.
        try expectManifestLanded(run, dbURL: dbURL, daemon: daemon, redeliveredDeadLetters: service == "mosquitto" ? 10 : 0)
        let sign = service == "postgres" ? "retrying" : "connection to the broker lost"
        #expect(daemon.output.contains(sign), "ingestd never saw \(service) go away")
        #expect(daemon.terminate() == 0)
    }

    @Test("over mqtts, with dead letters published while messages stream in, the run lands exactly and ingestd stops cleanly")
    func tlsRunLandsExactlyAndStopsCleanly() throws {
        guard let url = TestStack.environment["INGESTD_MQTTS_URL"], let ca = TestStack.environment["INGESTD_MQTT_CA_FILE"] else {
            throw TestStack.NotConfigured()
        }
        let root = TestStack.uniqueTopicRoot("tlsrun")
        let dbURL = try TestStack.freshDatabase("tlsrun")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, mqttURL: url, mqttExtra: ["ca_file: \(ca)"])
        let daemon = try TestStack.startIngestd(config: config)
        try expectManifestLanded(try startFaultRun(root: root), dbURL: dbURL, daemon: daemon)
        // TLS under load with publishes from other threads. The abort this guards against (an
        // SSL_write from another thread beside the network thread's SSL_read) was intermittent:
        // seen in CI, not reproduced on demand; passing here is necessary, not sufficient.
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("a reading the database refuses becomes a dead letter and the rest of its batch lands")
    func refusedReadingIsIsolatedIntoADeadLetter() throws {
        let root = TestStack.uniqueTopicRoot("refused")
        let dbURL = try TestStack.freshDatabase("refused")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        try TestStack.migrate(config: config)
        // A rule ingestd does not know about, as a DBA might add one.
        try PostgresConnection(dbURL).execute("ALTER TABLE sensor_readings ADD CONSTRAINT no_sentinel CHECK (value <> -999)")
        let daemon = try TestStack.startIngestd(config: config)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // One message of 50 readings, in one batch: the 17th is refused by the database.
        let records = (0..<50).map { i in "{\"ts\":\(now - Int64(i)),\"value\":\(i == 17 ? -999 : i)}" }
        try publisher.publish(topic: "\(root)/s1/l1/sensor/dev1/temp", payload: "[" + records.joined(separator: ",") + "]")

        let got = try settledCounts(dbURL, expected: Counts(readings: 49, deadLetters: 1))
        #expect(got == Counts(readings: 49, deadLetters: 1), "ingestd log:\n\(daemon.output.suffix(3000))")
        let code = try PostgresConnection(dbURL).execute("SELECT reason_code, reason FROM dead_letters").rows.first
        #expect(code?[0] == "database_refused")
        #expect(code?[1]?.contains("no_sentinel") == true)
        #expect(daemon.terminate() == 0)
    }

    @Test("several ingestd migrate at once apply each migration exactly once")
    func concurrentMigrationsApplyOnce() throws {
        let root = TestStack.uniqueTopicRoot("migrate")
        let dbURL = try TestStack.freshDatabase("migrate")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        let runs = try (0..<4).map { _ in try ChildProcess(TestStack.binary("ingestd"), ["migrate", "--config", config], label: "migrate") }
        for run in runs { #expect(run.waitForExit() == 0, "migrate failed:\n\(run.output)") }
        let versions = try PostgresConnection(dbURL).execute("SELECT version FROM ingestd_migrations ORDER BY version").rows.map { $0[0] ?? "" }
        // Every registered migration once, in order (the registry may skip a number another
        // branch holds).
        #expect(versions.count >= 9 && versions == Migration.all.map { String($0.version) }, "\(versions)")
        #expect(runs.filter { $0.output.contains("applied now: none") }.count == 3)
    }
}
}
