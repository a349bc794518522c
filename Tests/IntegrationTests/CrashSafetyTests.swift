import Foundation
import Mosquitto
import PostgresClient
import Testing

/// ingestd killed, stopped during an outage, fed a payload of 50 MB, its broker restarted, or
/// one of two instances killed: every run still lands exactly as the simulator's manifest says.
extension StackTests {
@Suite struct CrashSafetyTests {
    /// Waits until the database accepts connections (`up`) or refuses them; false on timeout.
    func waitForDatabase(_ dbURL: String, up: Bool, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while ((try? PostgresConnection(dbURL)) != nil) != up {
            if Date() > deadline { return false }
            usleep(100_000)
        }
        return true
    }

    func log(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(no log at \(path))" }

    func manifestURL(_ root: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(root)-manifest.json")
    }

    /// Waits for the simulator, expects every message acknowledged by the broker, and every
    /// table to match the manifest exactly; returns the manifest.
    @discardableResult
    func expectExact(_ sim: ChildProcess, manifest url: URL, dbURL: String, logs: [ChildProcess],
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> SimulatorManifest {
        #expect(sim.waitForExit(timeout: 300) == 0, "simulator failed:\n\(sim.output)", sourceLocation: sourceLocation)
        let manifest = try Simulator.readManifest(url)
        #expect(manifest.acknowledged == manifest.published, sourceLocation: sourceLocation)
        let wrong = ManifestTables(manifest).mismatches(databaseURL: dbURL)
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "; "))\ningestd logs:\n\(logs.map { $0.output.suffix(3000) }.joined(separator: "\n---\n"))",
                sourceLocation: sourceLocation)
        let figures = ManifestTables(manifest).checks.filter { $0.what != "equipment board" }.map { "\($0.what) \($0.expected)" }
        print("landed exactly: \(figures.joined(separator: ", ")), \(manifest.families?["equipment_state"]?.current?.count ?? 0) equipment on the board")
        return manifest
    }

    /// No kill -9 may leave a torn record: the length of a record is written last.
    func expectNoCutRecords(_ daemon: ChildProcess, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!daemon.output.contains("cut a torn or damaged record"), "\(daemon.output.suffix(2000))", sourceLocation: sourceLocation)
    }

    @Test("kill -9 of ingestd three times during a run of 200,000 readings: after restart and drain nothing is lost and nothing is twice")
    func killNineThreeTimesLosesNothingAndDoublesNothing() throws {
        let root = TestStack.uniqueTopicRoot("kill9")
        let dbURL = try TestStack.freshDatabase("kill9")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, writerRetry: "100ms")
        var daemon = try TestStack.startIngestd(config: config)
        var lives = [daemon]
        // 200,000 messages from 200 devices at 8,000/s: about 25 s.
        let sim = try Simulator.start(topicRoot: root, count: 200_000, rate: 8_000, duplicates: 0.02, malformed: 0.01,
                                      devices: 200, manifest: manifestURL(root))
        var replayed: [Int] = []
        for threshold in [40_000, 90_000, 140_000] {
            let reached = TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings", atLeast: threshold, timeout: 120)
            #expect(reached >= threshold, "only \(reached) readings before the kill; ingestd log:\n\(daemon.output.suffix(3000))")
            #expect(daemon.killHard(), "ingestd did not die of SIGKILL")
            print("killed ingestd at \(reached) readings")
            daemon = try TestStack.startIngestd(config: config)
            lives.append(daemon)
            let replay = try #require(daemon.journalReplayCount, "no journal line:\n\(daemon.output)")
            replayed.append(replay)
            expectNoCutRecords(daemon)
        }
        print("journal replays after each kill: \(replayed)")
        #expect(replayed.contains { $0 > 0 }, "no kill left anything in the journal to replay: the journal path was not exercised")
        try expectExact(sim, manifest: manifestURL(root), dbURL: dbURL, logs: [daemon])
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
        withExtendedLifetime(lives) {}
    }

    @Test("SIGTERM during a database outage exits 0 within stop_timeout, and after a restart everything lands")
    func sigtermDuringADatabaseOutageExitsZeroAndEverythingLandsLater() throws {
        let root = TestStack.uniqueTopicRoot("outage")
        let dbURL = try TestStack.freshDatabase("outage")
        let stopTimeout = 8.0
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, writerRetry: "100ms",
                                               extra: "stop_timeout: \(Int(stopTimeout))s")
        let journal = URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("journal").path
        var daemon = try TestStack.startIngestd(config: config)

        // PostgreSQL goes away for 45 s; the restart script brings it back on its own.
        let outage = try TestStack.restartInBackground("postgres", downSeconds: 45)
        #expect(waitForDatabase(dbURL, up: false, timeout: 60), "PostgreSQL did not go down: \(log(outage))")
        let sim = try Simulator.start(topicRoot: root, count: 6_000, rate: 3_000, duplicates: 0.02, malformed: 0.01,
                                      manifest: manifestURL(root))
        #expect(sim.waitForExit() == 0, "simulator failed:\n\(sim.output)")
        // Everything is in ingestd's journal (nothing can settle while the database is down).
        let inJournal = {
            let until = Date().addingTimeInterval(30)
            var n = JournalFiles.records(in: journal)
            while n < 6_000 && Date() < until { usleep(100_000); n = JournalFiles.records(in: journal) }
            return n
        }()
        #expect(inJournal == 6_000, "the journal holds \(inJournal) of 6,000 messages")

        kill(daemon.process.processIdentifier, SIGTERM)
        // Bounded by stop_timeout and a margin: a process still running then is a failure.
        let code = daemon.waitForExit(timeout: stopTimeout + 12)
        #expect(code == 0, "ingestd did not exit 0 within stop_timeout (+12 s): \(String(describing: code))\n\(daemon.output.suffix(3000))")
        #expect(!daemon.process.isRunning)
        #expect(daemon.output.contains("stays in the journal"), "no word of what stays in the journal:\n\(daemon.output.suffix(3000))")
        let first = daemon
        print("first run's last lines:\n\(first.output.split(separator: "\n").suffix(4).joined(separator: "\n"))")

        #expect(waitForDatabase(dbURL, up: true, timeout: 120), "PostgreSQL did not come back: \(log(outage))")
        daemon = try TestStack.startIngestd(config: config)
        let replay = try #require(daemon.journalReplayCount, "no journal line:\n\(daemon.output)")
        print("replayed after the outage: \(replay) messages")
        #expect(replay == 6_000, "the restart replays the whole run from the journal")
        try expectExact(sim, manifest: manifestURL(root), dbURL: dbURL, logs: [first, daemon])
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("a database outage longer than the journal holds: ingestd fills the journal to journal.max_bytes, says it stopped reading from the broker, which queues the rest, and drains it all exactly once the database is back")
    func journalFullDuringAnOutageStopsReadingThenDrainsExactly() throws {
        let root = TestStack.uniqueTopicRoot("jfull")
        let dbURL = try TestStack.freshDatabase("jfull")
        // 64 KiB segments, 1 MiB in all: about 5,000 readings.
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, writerRetry: "100ms",
                                               journalExtra: ["segment_bytes: 65536", "max_bytes: 1048576"])
        let journal = URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("journal").path
        let daemon = try TestStack.startIngestd(config: config)
        let outage = try TestStack.restartInBackground("postgres", downSeconds: 25)
        #expect(waitForDatabase(dbURL, up: false, timeout: 60), "PostgreSQL did not go down: \(log(outage))")
        let sim = try Simulator.start(topicRoot: root, count: 20_000, rate: 4_000, duplicates: 0.02, malformed: 0.01,
                                      manifest: manifestURL(root))
        #expect(daemon.waitForOutput("journal full", timeout: 30), "ingestd log:\n\(daemon.output.suffix(3000))")
        let held = JournalFiles.records(in: journal)
        print("records in the full journal: \(held) of 20,000 published")
        #expect(held < 20_000, "the journal did not stop at its bound")
        #expect(waitForDatabase(dbURL, up: true, timeout: 120), "PostgreSQL did not come back: \(log(outage))")
        try expectExact(sim, manifest: manifestURL(root), dbURL: dbURL, logs: [daemon])
        #expect(daemon.output.contains("journal has room again"), "ingestd never said it reads again")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    /// libmosquitto 2.0 reads a whole PUBLISH into one buffer and copies its payload into a
    /// second before any callback sees it: that much any libmosquitto client pays, ingestd
    /// included (the broker's `message_size_limit` in config/mosquitto.conf is what bounds it).
    /// What ingestd itself adds must not be a copy of the payload.
    @Test("a 50 MB payload becomes a payload_too_large dead letter with its real size, and ingestd's memory grows by no more than a bare libmosquitto subscriber's")
    func fiftyMegabytePayloadIsADeadLetterWithItsRealSizeAndNoCopyOfIt() throws {
        let root = TestStack.uniqueTopicRoot("huge")
        let dbURL = try TestStack.freshDatabase("huge")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        let daemon = try TestStack.startIngestd(config: config)
        let topic = "\(root)/s1/l1/sensor/dev1/temp"
        // Warm up: the pipeline, the writer and the journal have done their first work.
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for i in 0..<200 { try publisher.publish(topic: topic, payload: "{\"ts\":\(now - 1000 + Int64(i)),\"value\":\(i)}") }
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings", atLeast: 200) == 200)
        let before = try #require(daemon.peakResidentKiB)

        let size = 50 * 1024 * 1024
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(root)-huge.json")
        var payload = Array("{\"ts\":\(now),\"value\":1,\"pad\":\"".utf8)
        payload += [UInt8](repeating: UInt8(ascii: "x"), count: size - payload.count - 2)
        payload += Array("\"}".utf8)
        try Data(payload).write(to: file)
        payload = []
        let url = try MQTTURL(parsing: try #require(TestStack.mqttURL))
        // The reference: a bare libmosquitto subscriber receiving the same message.
        let bare = try ChildProcess("/usr/bin/stdbuf", ["-oL", "/usr/bin/mosquitto_sub", "-h", url.host, "-p", String(url.port), "-q", "1", "-t", topic, "-F", "%l"],
                                    label: "mosquitto_sub")
        usleep(500_000)
        let bareBefore = try #require(bare.peakResidentKiB)
        let pub = try ChildProcess("/usr/bin/mosquitto_pub", ["-h", url.host, "-p", String(url.port), "-q", "1", "-t", topic, "-f", file.path],
                                   label: "mosquitto_pub")
        #expect(pub.waitForExit(timeout: 120) == 0, "mosquitto_pub failed:\n\(pub.output)")

        let landed = TestStack.waitForCount(dbURL, "SELECT count(*) FROM dead_letters", atLeast: 1, timeout: 60)
        #expect(landed == 1, "ingestd log:\n\(daemon.output.suffix(3000))")
        let row = try PostgresConnection(dbURL).execute(
            "SELECT reason_code, family, topic, payload_size, octet_length(payload) FROM dead_letters").rows.first
        #expect(row == ["payload_too_large", "sensor", topic, String(size), "4096"], "dead letter: \(String(describing: row))")
        let after = try #require(daemon.peakResidentKiB, "ingestd is gone:\n\(daemon.output.suffix(3000))")
        #expect(bare.waitForOutput(String(size), timeout: 60), "mosquitto_sub did not get it:\n\(bare.output.prefix(500))")
        let bareAfter = try #require(bare.peakResidentKiB)
        _ = bare.terminate()
        print("peak resident memory (VmHWM) over the 50 MB payload: ingestd \(before) → \(after) KiB (+\(after - before)); bare libmosquitto subscriber \(bareBefore) → \(bareAfter) KiB (+\(bareAfter - bareBefore))")
        // A copy of the payload would be 51,200 KiB more; allow a quarter of that for noise.
        #expect(after - before < (bareAfter - bareBefore) + size / 1024 / 4,
                "ingestd grew by \(after - before) KiB, a bare libmosquitto subscriber by \(bareAfter - bareBefore) KiB")
        // The journal kept only what the dead letter keeps.
        let journal = URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("journal").path
        let journalBytes = try FileManager.default.contentsOfDirectory(atPath: journal).filter { $0.hasSuffix(".journal") }
            .reduce(0) { $0 + (((try? FileManager.default.attributesOfItem(atPath: journal + "/" + $1))?[.size] as? Int) ?? 0) }
        #expect(journalBytes < size, "journal segments take \(journalBytes) bytes")

        // And it goes on ingesting.
        try publisher.publish(topic: topic, payload: "{\"ts\":\(now + 1),\"value\":7}")
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings", atLeast: 201) == 201)
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
        try? FileManager.default.removeItem(at: file)
    }

    @Test("the broker restarted mid-run: readings and dead letters exact")
    func brokerRestartMidRunKeepsReadingsAndDeadLettersExact() throws {
        let root = TestStack.uniqueTopicRoot("brokerdl")
        let dbURL = try TestStack.freshDatabase("brokerdl")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, writerRetry: "100ms")
        let daemon = try TestStack.startIngestd(config: config)
        // All four families, so that each family's dead letters go through the restart.
        let sim = try Simulator.start(topicRoot: root, count: 24_000, rate: 4_000, duplicates: 0.02, malformed: 0.02,
                                      families: "sensor,battery,equipment,machine", manifest: manifestURL(root))
        TestStack.waitForCount(dbURL, "SELECT count(*) FROM dead_letters", atLeast: 60, timeout: 30)
        let restart = try TestStack.restart("mosquitto", downSeconds: 2)
        #expect(restart.waitForExit(timeout: 120) == 0, "restart failed:\n\(restart.output)")
        try expectExact(sim, manifest: manifestURL(root), dbURL: dbURL, logs: [daemon])
        #expect(daemon.output.contains("connection to the broker lost"), "ingestd never saw the broker go away")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("two instances on a shared subscription, one killed mid-run: exact")
    func twoSharedInstancesOneKilledMidRunLandExactly() throws {
        let root = TestStack.uniqueTopicRoot("shared")
        let dbURL = try TestStack.freshDatabase("shared")
        let configA = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, writerRetry: "100ms",
                                                mqttExtra: ["shared_group: g\(root)"])
        let configB = try TestStack.instanceConfig(copying: configA, instance: "b")
        try TestStack.migrate(config: configA)
        let a = try TestStack.startIngestd(config: configA)
        var b = try TestStack.startIngestd(config: configB)
        let firstB = b
        let sim = try Simulator.start(topicRoot: root, count: 60_000, rate: 5_000, duplicates: 0.02, malformed: 0.01,
                                      manifest: manifestURL(root))
        let reached = TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings", atLeast: 20_000, timeout: 60)
        #expect(b.killHard(), "instance b did not die of SIGKILL")
        print("killed instance b at \(reached) readings")
        usleep(2_000_000)  // the broker queues b's share meanwhile
        b = try TestStack.startIngestd(config: configB)
        print("instance b replays \(b.journalReplayCount ?? -1) messages from its journal")
        expectNoCutRecords(b)
        let manifest = try expectExact(sim, manifest: manifestURL(root), dbURL: dbURL, logs: [a, firstB, b])
        #expect(a.terminate() == 0, "instance a did not stop cleanly:\n\(a.output.suffix(3000))")
        #expect(b.terminate() == 0, "instance b did not stop cleanly:\n\(b.output.suffix(3000))")
        // Both took a share: a's count of accepted readings is neither none nor all.
        let stopped = a.output.split(separator: "\n").last { $0.contains("stopped:") } ?? ""
        let accepted = stopped.range(of: "sensor: accepted=").flatMap { Int(stopped[$0.upperBound...].prefix { $0.isNumber }) } ?? -1
        print("instance a accepted \(accepted) of \(manifest.expectedUniqueReadings) readings")
        #expect(accepted > 0 && accepted < manifest.expectedUniqueReadings, "a: \(stopped)")
    }
}
}
