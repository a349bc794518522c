import Foundation
import IngestCore
@testable import IngestRuntime
import Logging
import PostgresClient
import Testing

/// The equipment history is keyed on the identity levels too (issue 14, item 2; migration
/// 16): a change of `press1` of site B with the changed_at and source of site A's `press1` is
/// a history row of its own, through a real broker, database and ingestd, on the layout the
/// server runs and on native partitions; and a database upgraded from version 14 keeps its
/// history and takes the new key.
extension StackTests {
@Suite struct EquipmentHistoryKeyTests {
    static let history = "SELECT site, line, equipment, state FROM equipment_state_history ORDER BY site, line, changed_at"

    /// An RFC 3339 time `seconds` from now, in whole milliseconds (so that SQL and the
    /// payload name the same instant).
    static func time(_ seconds: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date().addingTimeInterval(seconds))
    }

    static func change(_ state: String, at time: String, seq: Int = 1) -> String {
        #"{"state":"\#(state)","changed_at":"\#(time)","worker":"w1","source":"tab1","seq":\#(seq)}"#
    }

    static func storage(_ engine: String) -> IngestConfig.Storage {
        var storage = IngestConfig().storage
        storage.engine = engine == "partitions" ? .partitions : .auto
        return storage
    }


    @Test("press1 of site B and press1 of site A change with the same changed_at and source: two history rows, each site's own, and a correction moves only its own",
          arguments: ["auto", "partitions"])
    func theSameChangeOfPress1OnTwoSitesIsTwoHistoryRows(engine: String) throws {
        let root = TestStack.uniqueTopicRoot("histkey")
        let dbURL = try TestStack.freshDatabase("histkey")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, engine: engine))
        let db = try PostgresConnection(dbURL)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let first = Self.time(-30), second = Self.time(-20)

        // Site B first: site A's change must neither be taken as a version of B's row nor be lost.
        try publisher.publish(topic: "\(root)/sB/l1/equipment/press1/state", payload: Self.change("red", at: first))
        #expect(waitFor(db, "SELECT count(*) FROM equipment_state_history", equals: "1") == "1", "ingestd log:\n\(daemon.output.suffix(2000))")
        try publisher.publish(topic: "\(root)/sA/l1/equipment/press1/state", payload: Self.change("green", at: first))
        #expect(waitFor(db, "SELECT count(*) FROM equipment_state_history", equals: "2") == "2",
                "site A's change was lost to site B's history row; ingestd log:\n\(daemon.output.suffix(2000))")
        // Both at once (one batch, as likely as not): each its own row again.
        try publisher.publish(topic: "\(root)/sA/l1/equipment/press1/state", payload: Self.change("yellow", at: second))
        try publisher.publish(topic: "\(root)/sB/l1/equipment/press1/state", payload: Self.change("green", at: second))
        #expect(waitFor(db, "SELECT count(*) FROM equipment_state_history", equals: "4") == "4", "ingestd log:\n\(daemon.output.suffix(2000))")
        #expect(try db.execute(Self.history).rows == [["sA", "l1", "press1", "green"], ["sA", "l1", "press1", "yellow"],
                                                      ["sB", "l1", "press1", "red"], ["sB", "l1", "press1", "green"]])

        // A correction of site A's first change (same changed_at, source and seq, received
        // later) replaces site A's row only.
        try publisher.publish(topic: "\(root)/sA/l1/equipment/press1/state", payload: Self.change("red", at: first))
        #expect(waitFor(db, "SELECT state FROM equipment_state_history WHERE site = 'sA' AND changed_at = '\(first)'", equals: "red") == "red",
                "ingestd log:\n\(daemon.output.suffix(2000))")
        #expect(try db.execute(Self.history).rows == [["sA", "l1", "press1", "red"], ["sA", "l1", "press1", "yellow"],
                                                      ["sB", "l1", "press1", "red"], ["sB", "l1", "press1", "green"]])
        #expect(try db.execute("SELECT site, state FROM equipment_state_current ORDER BY site").rows == [["sA", "yellow"], ["sB", "green"]])
        #expect(try db.execute("SELECT count(*) FROM dead_letters").value(0, 0) == "0")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("a database migrated through version 14 with history rows, upgraded: every row kept, the key is (site, line, equipment, changed_at, source) with NULL one value, and ingestd stores press1 of another site beside a row from before",
          arguments: ["auto", "partitions"])
    func anUpgradedHistoryKeepsItsRowsAndTakesTheNewKey(engine: String) throws {
        let dbURL = try TestStack.freshDatabase("histup")
        var logger = Logger(label: "ingestd.migrate")
        logger.logLevel = .warning
        let old = try Migrator(connection: try PostgresConnection(dbURL), storage: Self.storage(engine), logger: logger).migrate(through: 14)
        #expect(old.current == 14)
        let db = try PostgresConnection(dbURL)
        let before = Self.time(-60)
        try db.execute("""
            INSERT INTO equipment_state_history (changed_at, equipment, source, state, worker, seq, site, line, received_at)
            VALUES ('\(before)', 'press1', 'tab1', 'red', 'w1', 1, 'sA', 'l1', now() - interval '1 min'),
                   ('\(before)', 'press2', 'tab1', 'green', 'w1', 1, NULL, NULL, now() - interval '1 min'),
                   (now() - interval '3 days', 'press1', 'tab1', 'yellow', NULL, NULL, 'sA', 'l1', now() - interval '3 days');
            """)
        let threeDaysAgo = try db.execute("SELECT changed_at FROM equipment_state_history WHERE state = 'yellow'").value(0, 0) ?? ""
        if old.layout == .hypertable {
            // As in a database that ran with compress_after: the old chunk compressed.
            try db.execute("ALTER TABLE equipment_state_history SET (timescaledb.compress, timescaledb.compress_segmentby = 'equipment')")
            #expect(try db.execute("""
                SELECT count(compress_chunk(c)) FROM show_chunks('equipment_state_history', older_than => now() - interval '2 days') c
                """).value(0, 0) == "1")
        }
        let rowsBefore = try db.execute("SELECT * FROM equipment_state_history ORDER BY changed_at, equipment").rows

        let up = try Migrator(connection: try PostgresConnection(dbURL), storage: Self.storage(engine), logger: logger).migrate()
        #expect(up.applied.contains(16))
        #expect(try db.execute("SELECT * FROM equipment_state_history ORDER BY changed_at, equipment").rows == rowsBefore,
                "the upgrade changed the history")
        #expect(try db.execute("""
            SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
            WHERE conrelid = 'public.equipment_state_history'::regclass AND contype IN ('p', 'u')
            """).rows == [["UNIQUE NULLS NOT DISTINCT (site, line, equipment, changed_at, source)"]])

        // The new key holds: press1 of site B beside site A's row; press2 with no site or line
        // twice is one row (NULL is one value in the key).
        try db.execute("""
            INSERT INTO equipment_state_history (changed_at, equipment, source, state, site, line, received_at)
            VALUES ('\(before)', 'press1', 'tab1', 'green', 'sB', 'l1', now())
            """)
        #expect(throws: (any Error).self, "a second press2 with no site or line and the same changed_at and source was stored") {
            try db.execute("""
                INSERT INTO equipment_state_history (changed_at, equipment, source, state, site, line, received_at)
                VALUES ('\(before)', 'press2', 'tab1', 'red', NULL, NULL, now())
                """)
        }
        // The same in the old (on TimescaleDB compressed) chunk.
        try db.execute("""
            INSERT INTO equipment_state_history (changed_at, equipment, source, state, site, line, received_at)
            VALUES ('\(threeDaysAgo)', 'press1', 'tab1', 'green', 'sB', 'l1', now())
            """)
        #expect(throws: (any Error).self, "a second row of site A's press1 three days ago was stored") {
            try db.execute("""
                INSERT INTO equipment_state_history (changed_at, equipment, source, state, site, line, received_at)
                VALUES ('\(threeDaysAgo)', 'press1', 'tab1', 'red', 'sA', 'l1', now())
                """)
        }
        try db.execute("DELETE FROM equipment_state_history WHERE site = 'sB'")

        // ingestd on the upgraded database: press1 of site B with the changed_at and source of
        // site A's row from before is a row of its own; site A's row stays.
        let root = TestStack.uniqueTopicRoot("histup")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, engine: engine))
        let publisher = try MQTTListener(filter: "\(root)/unused")
        try publisher.publish(topic: "\(root)/sB/l1/equipment/press1/state", payload: Self.change("green", at: before))
        #expect(waitFor(db, "SELECT count(*) FROM equipment_state_history", equals: "4") == "4", "ingestd log:\n\(daemon.output.suffix(2000))")
        #expect(try db.execute("SELECT site, state FROM equipment_state_history WHERE changed_at = '\(before)' AND equipment = 'press1' ORDER BY site").rows
                == [["sA", "red"], ["sB", "green"]])
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }
}
}
