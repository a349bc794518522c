import Foundation
import PostgresClient
import Testing

/// A real Mosquitto, a real PostgreSQL, the real `ingestd` and `ingestd-sim` processes: the
/// simulator's manifest is the oracle of what the database must hold.
@Suite(.serialized, .enabled(if: TestStack.shouldRun, "needs the stack: run scripts/test, or scripts/stack up and eval \"$(scripts/stack env)\""))
struct EndToEndTests {
    struct Counts: Equatable, CustomStringConvertible {
        var readings: Int
        var deadLetters: Int
        var description: String { "\(readings) readings, \(deadLetters) dead letters" }
    }

    func counts(_ db: PostgresConnection) throws -> Counts {
        let row = try db.execute("SELECT (SELECT count(*) FROM sensor_readings), (SELECT count(*) FROM dead_letters)").rows[0]
        return Counts(readings: Int(row[0] ?? "") ?? -1, deadLetters: Int(row[1] ?? "") ?? -1)
    }

    /// Polls until the counts reach `expected` (or time runs out), then waits a moment more
    /// so that an overshoot would show.
    func settledCounts(_ db: PostgresConnection, expected: Counts, timeout: Double = 90) throws -> Counts {
        let deadline = Date().addingTimeInterval(timeout)
        var now = try counts(db)
        while now != expected && Date() < deadline {
            usleep(200_000)
            now = try counts(db)
        }
        usleep(500_000)
        return try counts(db)
    }

    func startIngestd(config: String) throws -> ChildProcess {
        let daemon = try ChildProcess(TestStack.binary("ingestd"), ["run", "--config", config], label: "ingestd")
        #expect(daemon.waitForOutput("subscribed"), "ingestd did not subscribe:\n\(daemon.output)")
        return daemon
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
        let daemon = try startIngestd(config: config)
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
        let got = try settledCounts(db, expected: expected)
        #expect(got == expected, "ingestd log:\n\(daemon.output.suffix(3000))")

        let reasonless = try db.execute("SELECT count(*) FROM dead_letters WHERE reason = '' OR reason_code = ''").value(0, 0)
        #expect(reasonless == "0")
        let distinctKeys = try db.execute("SELECT count(DISTINCT (device, metric, ts)) FROM sensor_readings").value(0, 0)
        #expect(distinctKeys == String(expected.readings))
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("ingestd stopped and restarted in the middle of a run loses nothing and adds no duplicate")
    func restartMidRunAddsNoDuplicate() throws {
        let root = TestStack.uniqueTopicRoot("restart")
        let dbURL = try TestStack.freshDatabase("restart")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        var daemon = try startIngestd(config: config)
        let db = try PostgresConnection(dbURL)

        let manifestURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(root)-manifest.json")
        let sim = try Simulator.start(topicRoot: root, count: 20_000, rate: 4_000, duplicates: 0.02, malformed: 0.01,
                                      manifest: manifestURL)
        // Stop in the middle of the run, leave the broker to queue for a while, start again.
        let midRun = Date().addingTimeInterval(20)
        while try counts(db).readings < 4_000 && Date() < midRun { usleep(50_000) }
        let before = try counts(db)
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
        #expect(before.readings > 0, "nothing arrived before the restart")
        usleep(1_000_000)
        daemon = try startIngestd(config: config)

        #expect(sim.waitForExit() == 0, "simulator failed:\n\(sim.output)")
        let manifest = try Simulator.readManifest(manifestURL)
        #expect(manifest.acknowledged == manifest.published)
        let expected = Counts(readings: manifest.expectedUniqueReadings, deadLetters: manifest.expectedDeadLetters)
        let got = try settledCounts(db, expected: expected)
        #expect(got == expected, "after the restart; before it: \(before); ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(daemon.terminate() == 0)
    }
}
