import Foundation
import IngestCore
import IngestRuntime
import Logging
import PostgresClient
import Testing

/// A machine's events are its own (issue 14, item 1): through a real broker, database and
/// ingestd, a device account on machine m8's topic cannot touch an event m7 stored, and a
/// far-future received_time cannot lock an event against its own corrections.
extension StackTests {
@Suite struct MachineEventOwnershipTests {
    static func epochMs(_ seconds: Double) -> Int64 { Int64((Date().timeIntervalSince1970 + seconds) * 1000) }


    static func event(_ id: String, at t: Int64, duration: Int, defects: Int, receivedTime: String? = nil) -> String {
        #"{"event_id":"\#(id)","event_time":\#(t),"duration_ms":\#(duration),"defect_count":\#(defects)\#(receivedTime.map { #","received_time":\#($0)"# } ?? "")}"#
    }

    static let rows = "SELECT machine, event_id, duration_ms, defect_count FROM machine_events ORDER BY machine, event_id"

    @Test("m8 sending the event_id of m7's event stores m8's own event and leaves m7's row; a 9999 received_time is a dead letter; m7's own correction still updates its event",
          arguments: ["auto", "partitions"])
    func anotherMachineCannotRewriteOrLockAnEvent(engine: String) throws {
        let root = TestStack.uniqueTopicRoot("owned")
        let dbURL = try TestStack.freshDatabase("owned")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, engine: engine))
        let db = try PostgresConnection(dbURL)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let m7 = "\(root)/s1/l1/machine/m7/events", m8 = "\(root)/s1/l1/machine/m8/events"
        let t = Self.epochMs(-120)
        try publisher.publish(topic: m7, payload: Self.event("ev-1", at: t, duration: 4200, defects: 0, receivedTime: "\(t + 1000)"))
        #expect(waitFor(db, "SELECT count(*) FROM machine_events", equals: "1") == "1", "ingestd log:\n\(daemon.output.suffix(2000))")

        // The attack: m8's account claims m7's event id, once locked with a far-future stamp.
        try publisher.publish(topic: m8, payload: Self.event("ev-1", at: t, duration: 1, defects: 99,
                                                           receivedTime: #""9999-12-31T23:59:59Z""#))
        try publisher.publish(topic: m8, payload: Self.event("ev-1", at: t, duration: 1, defects: 99, receivedTime: "\(t + 1500)"))
        #expect(waitFor(db, "SELECT count(*) FROM machine_events", equals: "2") == "2", "ingestd log:\n\(daemon.output.suffix(2000))")
        #expect(waitFor(db, "SELECT count(*) FROM dead_letters", equals: "1") == "1")
        #expect(try db.execute("SELECT reason_code, topic FROM dead_letters").rows == [["received_time_out_of_bounds", m8]])

        // m7's own correction, with a received_time later than its original: an update.
        try publisher.publish(topic: m7, payload: Self.event("ev-1", at: t, duration: 4200, defects: 3, receivedTime: "\(t + 2000)"))
        #expect(waitFor(db, "SELECT defect_count FROM machine_events WHERE machine = 'm7'", equals: "3") == "3",
                "m7's correction was counted stale or lost; ingestd log:\n\(daemon.output.suffix(2000))")
        #expect(try db.execute(Self.rows).rows == [["m7", "ev-1", "4200", "3"], ["m8", "ev-1", "1", "99"]])
        // m7 itself cannot lock its event either.
        try publisher.publish(topic: m7, payload: Self.event("ev-1", at: t, duration: 4200, defects: 5,
                                                           receivedTime: #""9999-12-31T23:59:59Z""#))
        #expect(waitFor(db, "SELECT count(*) FROM dead_letters", equals: "2") == "2")
        try publisher.publish(topic: m7, payload: Self.event("ev-1", at: t, duration: 4200, defects: 4, receivedTime: "\(t + 3000)"))
        #expect(waitFor(db, "SELECT defect_count FROM machine_events WHERE machine = 'm7'", equals: "4") == "4")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
        #expect(daemon.output.contains("machine_event: accepted=2 duplicate=0 updated=2 stale=0 rejected=2"),
                "fates in the final log line:\n\(daemon.output.suffix(2000))")
    }

    @Test("a database of today's schema (through migration 11) with events in it, upgraded: every row is kept and events are owned by their machine")
    func anUpgradedDatabaseKeepsItsEventsAndOwnsThemByMachine() throws {
        let root = TestStack.uniqueTopicRoot("ownedup")
        let dbURL = try TestStack.freshDatabase("ownedup")
        var logger = Logger(label: "ingestd.migrate")
        logger.logLevel = .warning
        let report = try Migrator(connection: try PostgresConnection(dbURL), storage: IngestConfig().storage, logger: logger)
            .migrate(through: 11)
        #expect(report.applied.last == 11)
        let db = try PostgresConnection(dbURL)
        try db.execute("""
            INSERT INTO machine_events (event_id, machine, site, line, event_time, duration_ms, defect_count, received_time, received_at)
            VALUES ('ev-1', 'm7', 's1', 'l1', now() - interval '2 min', 4200, 0, now() - interval '2 min', now() - interval '2 min'),
                   ('ev-2', 'm7', 's1', 'l1', now() - interval '1 min', 3100, 1, now() - interval '1 min', now() - interval '1 min')
            """)

        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL))
        #expect(try db.execute("SELECT max(version) FROM ingestd_migrations").value(0, 0).flatMap { Int($0) } ?? 0 >= 13)
        #expect(try db.execute(Self.rows).rows == [["m7", "ev-1", "4200", "0"], ["m7", "ev-2", "3100", "1"]])
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let t = Self.epochMs(-30)
        try publisher.publish(topic: "\(root)/s1/l1/machine/m8/events", payload: Self.event("ev-1", at: t, duration: 1, defects: 99))
        #expect(waitFor(db, "SELECT count(*) FROM machine_events", equals: "3") == "3", "ingestd log:\n\(daemon.output.suffix(2000))")
        try publisher.publish(topic: "\(root)/s1/l1/machine/m7/events", payload: Self.event("ev-1", at: t, duration: 4300, defects: 2))
        #expect(waitFor(db, "SELECT defect_count FROM machine_events WHERE machine = 'm7' AND event_id = 'ev-1'", equals: "2") == "2")
        #expect(try db.execute(Self.rows).rows == [["m7", "ev-1", "4300", "2"], ["m7", "ev-2", "3100", "1"], ["m8", "ev-1", "1", "99"]])
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }
}
}
