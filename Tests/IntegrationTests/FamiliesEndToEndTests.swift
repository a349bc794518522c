import Foundation
import Mosquitto
import PostgresClient
import Testing

/// The three families beside sensors, through a real broker, database and ingestd: the
/// equipment board's last-writer-wins, machine-event updates and stale copies, batteries,
/// and a simulator run of all four families checked against its manifest.
extension StackTests {
@Suite struct FamiliesEndToEndTests {
    /// An RFC 3339 time `seconds` from now, with milliseconds.
    static func time(_ seconds: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date().addingTimeInterval(seconds))
    }

    static func epochMs(_ seconds: Double) -> Int64 { Int64((Date().timeIntervalSince1970 + seconds) * 1000) }


    @Test("two tablets set one machine's colour, one offline and replaying later: the history holds every change, the current state and the retained message the newest by changed_at",
          arguments: ["auto", "partitions"])
    func offlineTabletReplayEntersHistoryAndWinsOnlyIfNewer(engine: String) throws {
        let root = TestStack.uniqueTopicRoot("board")
        let dbURL = try TestStack.freshDatabase("board")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, engine: engine)
        let daemon = try TestStack.startIngestd(config: config)
        let db = try PostgresConnection(dbURL)
        print("storage path under test: \(try db.execute("SELECT layout FROM ingestd_migrations WHERE version = 1").value(0, 0) ?? "?")")
        let topic = "\(root)/s1/l1/equipment/press7/state"
        let publisher = try MQTTListener(filter: "\(root)/unused")
        func change(_ state: String, at seconds: Double, source: String, seq: Int) -> String {
            #"{"state":"\#(state)","changed_at":"\#(Self.time(seconds))","worker":"w1","source":"\#(source)","seq":\#(seq)}"#
        }
        // Tablet A, online: yellow 60 s ago, then red 10 s ago.
        try publisher.publish(topic: topic, payload: change("yellow", at: -60, source: "tabA", seq: 1))
        try publisher.publish(topic: topic, payload: change("red", at: -10, source: "tabA", seq: 2))
        waitFor(db, "SELECT state FROM equipment_state_current WHERE equipment = 'press7'", equals: "red")
        // Tablet B was offline: it replays green at -30 s (older than A's red) and an exact repeat.
        let replayed = change("green", at: -30, source: "tabB", seq: 7)
        try publisher.publish(topic: topic, payload: replayed)
        try publisher.publish(topic: topic, payload: replayed)
        let history = waitFor(db, "SELECT count(*) FROM equipment_state_history WHERE equipment = 'press7'", equals: "3")
        #expect(history == "3", "every change is history, the repeat once; ingestd log:\n\(daemon.output.suffix(2000))")
        #expect(try db.execute("SELECT state, source FROM equipment_state_current WHERE equipment = 'press7'").rows == [["red", "tabA"]])

        // A newer change from B wins, in the table and on the retained topic.
        try publisher.publish(topic: topic, payload: change("green", at: -5, source: "tabB", seq: 8))
        #expect(waitFor(db, "SELECT state || '/' || source FROM equipment_state_current WHERE equipment = 'press7'", equals: "green/tabB") == "green/tabB")
        usleep(500_000)
        let dashboard = try MQTTListener(filter: "\(root)/ingestd/state/#")
        #expect(dashboard.waitFor(count: 1, onTopicPrefix: "\(root)/ingestd/state/s1/l1/press7"), "no retained state for a new subscriber")
        let retained = dashboard.messages(onTopicPrefix: "\(root)/ingestd/state/s1/l1/press7").last ?? ""
        #expect(retained.contains(#""state":"green""#) && retained.contains(#""source":"tabB""#), "retained: \(retained)")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("a correction and a stale copy of a machine event give updated and stale, and the stale copy does not undo the correction")
    func machineEventCorrectionAndStaleCopy() throws {
        let root = TestStack.uniqueTopicRoot("events")
        let dbURL = try TestStack.freshDatabase("events")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL))
        let db = try PostgresConnection(dbURL)
        let topic = "\(root)/s1/l2/machine/m1/events"
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let t = Self.epochMs(-120)
        let original = #"{"event_id":"m1-1","event_time":\#(t),"duration_ms":4200,"defect_count":0,"received_time":\#(t + 1000)}"#
        let correction = #"{"event_id":"m1-1","event_time":\#(t),"duration_ms":4200,"defect_count":3,"received_time":\#(t + 2000)}"#
        try publisher.publish(topic: topic, payload: original)
        waitFor(db, "SELECT count(*) FROM machine_events", equals: "1")
        try publisher.publish(topic: topic, payload: original)    // a retried duplicate
        try publisher.publish(topic: topic, payload: correction)
        #expect(waitFor(db, "SELECT defect_count FROM machine_events WHERE event_id = 'm1-1'", equals: "3") == "3")
        try publisher.publish(topic: topic, payload: original)    // the stale copy, after its correction
        // An array: every event gets its own fate; one of them is rejected (6 h is the limit).
        try publisher.publish(topic: topic, payload: """
            [{"event_id":"m1-2","event_time":\(t),"duration_ms":1000,"defect_count":-1},
             {"event_id":"m1-3","event_time":\(t),"duration_ms":99000000,"defect_count":0}]
            """)
        #expect(waitFor(db, "SELECT count(*) FROM dead_letters WHERE family = 'machine_event'", equals: "1") == "1")
        #expect(try db.execute("SELECT event_id, defect_count FROM machine_events ORDER BY event_id").rows == [["m1-1", "3"], ["m1-2", "-1"]])
        #expect(try db.execute("SELECT reason_code FROM dead_letters").value(0, 0) == "out_of_range")
        #expect(daemon.terminate() == 0)
        #expect(daemon.output.contains("machine_event: accepted=2 duplicate=1 updated=1 stale=1 rejected=1"),
                "fates in the final log line:\n\(daemon.output.suffix(2000))")
    }

    @Test("battery telemetry lands as wide rows with extra parameters; a correction replaces the row; out-of-range values and another battery's name are dead letters")
    func batteryTelemetryLandsWithReasonsForWhatIsRefused() throws {
        let root = TestStack.uniqueTopicRoot("battery")
        let dbURL = try TestStack.freshDatabase("battery")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL))
        let db = try PostgresConnection(dbURL)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let topic = "\(root)/s1/battery/bat7/telemetry"
        let t = Self.epochMs(-30)
        try publisher.publish(topic: topic, payload: #"{"ts":\#(t),"voltage":51.2,"current":-12.5,"temperature":31,"soc":80,"soh":97.5,"cycles":412,"cell_delta_mv":14}"#)
        try publisher.publish(topic: topic, payload: #"{"ts":\#(t),"voltage":51.3,"current":-12.5,"temperature":31,"soc":80,"soh":97.5,"cycles":412,"cell_delta_mv":14}"#)
        try publisher.publish(topic: topic, payload: #"{"ts":\#(t + 1000),"soc":150}"#)
        try publisher.publish(topic: topic, payload: #"{"ts":\#(t + 2000),"battery":"bat8","soc":50}"#)
        #expect(waitFor(db, "SELECT count(*) FROM dead_letters", equals: "2") == "2", "ingestd log:\n\(daemon.output.suffix(2000))")
        #expect(waitFor(db, "SELECT voltage FROM battery_readings", equals: "51.3") == "51.3")
        #expect(try db.execute("SELECT count(*), min(extra->>'cell_delta_mv') FROM battery_readings").rows == [["1", "14"]])
        #expect(try db.execute("SELECT reason_code FROM dead_letters ORDER BY reason_code").rows.map { $0[0] ?? "" }
                == ["identity_mismatch", "out_of_range"])
        #expect(daemon.terminate() == 0)
    }

    @Test("a CHECK constraint refusing one reading next to one malformed message in one batch: ingestd keeps running, the reading becomes a dead letter")
    func refusedReadingBesideAMalformedMessageDoesNotKillIngestd() throws {
        let root = TestStack.uniqueTopicRoot("refusedpair")
        let dbURL = try TestStack.freshDatabase("refusedpair")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        try TestStack.migrate(config: config)
        try PostgresConnection(dbURL).execute("ALTER TABLE sensor_readings ADD CONSTRAINT no_sentinel CHECK (value <> -999)")
        let daemon = try TestStack.startIngestd(config: config)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let now = Self.epochMs(0)
        // Within the 200 ms batch age: one refused reading and one malformed message.
        try publisher.publish(topic: "\(root)/s1/l1/sensor/dev1/temp", payload: #"{"ts":\#(now),"value":-999}"#)
        try publisher.publish(topic: "\(root)/s1/l1/sensor/dev1/temp", payload: #"{"ts":\#(now),"value":"#)
        let db = try PostgresConnection(dbURL)
        #expect(waitFor(db, "SELECT count(*) FROM dead_letters", equals: "2") == "2", "ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(try db.execute("SELECT reason_code FROM dead_letters ORDER BY reason_code").rows.map { $0[0] ?? "" }
                == ["database_refused", "malformed_json"])
        // Still alive and ingesting.
        try publisher.publish(topic: "\(root)/s1/l1/sensor/dev1/temp", payload: #"{"ts":\#(now + 1),"value":21}"#)
        #expect(waitFor(db, "SELECT count(*) FROM sensor_readings", equals: "1") == "1")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("a simulator run of all four families, duplicates and malformed messages included, matches its manifest exactly",
          arguments: ["auto", "partitions"])
    func allFourFamiliesMatchTheManifest(engine: String) throws {
        let root = TestStack.uniqueTopicRoot("four")
        let dbURL = try TestStack.freshDatabase("four")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, engine: engine))
        let db = try PostgresConnection(dbURL)
        print("storage path under test: \(try db.execute("SELECT layout FROM ingestd_migrations WHERE version = 1").value(0, 0) ?? "?")")
        let manifestURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(root)-manifest.json")
        let sim = try Simulator.start(topicRoot: root, count: 12_000, rate: 3_000, duplicates: 0.02, malformed: 0.01,
                                      families: "sensor,battery,equipment,machine", manifest: manifestURL)
        #expect(sim.waitForExit() == 0, "simulator failed:\n\(sim.output)")
        let manifest = try Simulator.readManifest(manifestURL)
        #expect(manifest.acknowledged == manifest.published)
        let families = try #require(manifest.families)
        let sensor = try #require(families["sensor"]), battery = try #require(families["battery"])
        let board = try #require(families["equipment_state"]), events = try #require(families["machine_event"])

        let expected: [(String, String)] = [
            ("SELECT count(*) FROM sensor_readings", "\(sensor.rows ?? -1)"),
            ("SELECT count(*) FROM battery_readings", "\(battery.rows ?? -1)"),
            ("SELECT count(*) FROM equipment_state_history", "\(board.historyRows ?? -1)"),
            ("SELECT count(*) FROM equipment_state_current", "\(board.current?.count ?? -1)"),
            ("SELECT count(*) FROM machine_events", "\(events.rows ?? -1)"),
            ("SELECT coalesce(sum(defect_count) FILTER (WHERE defect_count >= 0), 0) FROM machine_events", "\(events.defectSum ?? -1)"),
            ("SELECT count(*) FILTER (WHERE defect_count = -1) FROM machine_events", "\(events.unknownDefects ?? -1)"),
            ("SELECT count(*) FROM dead_letters", "\(manifest.expectedDeadLetters)"),
        ]
        for (sql, value) in expected {
            #expect(waitFor(db, sql, equals: value, timeout: 60) == value, "\(sql); ingestd log:\n\(daemon.output.suffix(1500))")
        }
        for (family, f) in families {
            let got = try db.execute("SELECT count(*) FROM dead_letters WHERE family = $1", [.text(family)]).value(0, 0)
            #expect(got == "\(f.deadLetters ?? -1)", "dead letters of \(family)")
        }
        // The current state of every equipment is the manifest's newest change.
        let current = try db.execute("""
            SELECT equipment, state, source, (extract(epoch FROM changed_at) * 1000)::bigint FROM equipment_state_current
            """).rows
        for row in current {
            let want = board.current?[row[0] ?? ""]
            #expect(want?.state == row[1] && want?.source == row[2] && want.map { "\($0.changedAtMs)" } == row[3],
                    "equipment \(row[0] ?? "?"): got \(row), manifest \(String(describing: want))")
        }
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
        let stopped = daemon.output.split(separator: "\n").last { $0.contains("stopped:") } ?? ""
        #expect(stopped.contains("machine_event: accepted=\(events.rows ?? -1) ") && stopped.contains("updated=\(events.updated ?? -1) stale=\(events.stale ?? -1)"),
                "machine-event fates: \(stopped)")
    }
}
}
