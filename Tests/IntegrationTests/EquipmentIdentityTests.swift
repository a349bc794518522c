import Foundation
import IngestCore
import IngestRuntime
import Logging
import PostgresClient
import Testing

/// Every level the topic captures is the topic's (issue 14, item 2), through a real broker,
/// database and ingestd: the same equipment name on two sites is two pieces of equipment (two
/// current rows, two retained states, two open alerts), and a tablet that names another site
/// and line in its payload is a dead letter that moves nothing.
extension StackTests {
@Suite struct EquipmentIdentityTests {
    static let rules = """
        alerts:
          rules:
            - {name: line_red, family: equipment_state, kind: state, state: red, severity: critical}
        """

    static func time(_ seconds: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date().addingTimeInterval(seconds))
    }

    static func change(_ state: String, at seconds: Double, source: String = "tab1", seq: Int = 1, extra: String = "") -> String {
        #"{"state":"\#(state)","changed_at":"\#(time(seconds))","worker":"w1","source":"\#(source)","seq":\#(seq)\#(extra)}"#
    }


    static let current = "SELECT site, line, equipment, state FROM equipment_state_current ORDER BY site, line, equipment"

    @Test("press1 of site A and press1 of site B: two current rows, two retained states, two open alerts, each cleared on its own",
          arguments: ["auto", "partitions"])
    func theSameEquipmentNameOnTwoSitesIsTwoPiecesOfEquipment(engine: String) throws {
        let root = TestStack.uniqueTopicRoot("twosites")
        let dbURL = try TestStack.freshDatabase("twosites")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, engine: engine,
                                                                                  extra: Self.rules))
        let db = try PostgresConnection(dbURL)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        try publisher.publish(topic: "\(root)/sA/l1/equipment/press1/state", payload: Self.change("red", at: -20))
        #expect(waitFor(db, "SELECT count(*) FROM equipment_state_current", equals: "1") == "1", "ingestd log:\n\(daemon.output.suffix(2000))")
        try publisher.publish(topic: "\(root)/sB/l1/equipment/press1/state", payload: Self.change("red", at: -10))
        #expect(waitFor(db, "SELECT count(*) FROM equipment_state_current", equals: "2") == "2",
                "press1 of site B took press1 of site A's row; ingestd log:\n\(daemon.output.suffix(2000))")
        #expect(waitFor(db, "SELECT count(*) FROM alerts WHERE cleared_at IS NULL", equals: "2") == "2",
                "one open alert for two pieces of equipment; ingestd log:\n\(daemon.output.suffix(2000))")
        // Site A's press goes green: its alert clears, site B's stays open.
        try publisher.publish(topic: "\(root)/sA/l1/equipment/press1/state", payload: Self.change("green", at: -5, seq: 2))
        #expect(waitFor(db, "SELECT count(*) FROM alerts WHERE cleared_at IS NULL", equals: "1") == "1")
        #expect(try db.execute(Self.current).rows == [["sA", "l1", "press1", "green"], ["sB", "l1", "press1", "red"]])
        #expect(try db.execute("SELECT site, line, device FROM alerts WHERE cleared_at IS NULL").rows == [["sB", "l1", "press1"]])
        #expect(try db.execute("SELECT site, line FROM alerts WHERE cleared_at IS NOT NULL").rows == [["sA", "l1"]])

        usleep(500_000)
        let dashboard = try MQTTListener(filter: "\(root)/ingestd/state/#")
        #expect(dashboard.waitFor(count: 2, onTopicPrefix: "\(root)/ingestd/state/"), "two retained states expected")
        let a = dashboard.messages(onTopicPrefix: "\(root)/ingestd/state/sA/l1/press1").last ?? ""
        let b = dashboard.messages(onTopicPrefix: "\(root)/ingestd/state/sB/l1/press1").last ?? ""
        #expect(a.contains(#""state":"green""#) && a.contains(#""site":"sA""#), "site A retained: \(a)")
        #expect(b.contains(#""state":"red""#) && b.contains(#""site":"sB""#), "site B retained: \(b)")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("a tablet pinned to plant/s1/l1/equipment/press1/state that sends site s9 and line l9: identity_mismatch, its equipment stays on s1/l1 and nothing is retained on s9/l9")
    func aTabletThatLiesAboutItsSiteIsADeadLetter() throws {
        let root = TestStack.uniqueTopicRoot("liar")
        let dbURL = try TestStack.freshDatabase("liar")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL))
        let db = try PostgresConnection(dbURL)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let topic = "\(root)/s1/l1/equipment/press1/state"
        try publisher.publish(topic: topic, payload: Self.change("green", at: -20))
        #expect(waitFor(db, "SELECT count(*) FROM equipment_state_current", equals: "1") == "1", "ingestd log:\n\(daemon.output.suffix(2000))")
        try publisher.publish(topic: topic, payload: Self.change("red", at: -10, seq: 2, extra: #","site":"s9","line":"l9""#))
        try publisher.publish(topic: topic, payload: Self.change("red", at: -5, seq: 3, extra: #","line":"l9""#))
        #expect(waitFor(db, "SELECT count(*) FROM dead_letters", equals: "2") == "2", "ingestd log:\n\(daemon.output.suffix(2000))")
        #expect(try db.execute("SELECT DISTINCT reason_code, topic FROM dead_letters").rows == [["identity_mismatch", topic]])
        #expect(try db.execute(Self.current).rows == [["s1", "l1", "press1", "green"]])
        #expect(try db.execute("SELECT count(*) FROM equipment_state_history WHERE site <> 's1' OR line <> 'l1'").value(0, 0) == "0")

        usleep(500_000)
        let dashboard = try MQTTListener(filter: "\(root)/ingestd/state/#")
        #expect(dashboard.waitFor(count: 1, onTopicPrefix: "\(root)/ingestd/state/s1/l1/press1"))
        usleep(500_000)
        #expect(dashboard.messages(onTopicPrefix: "\(root)/ingestd/state/s9").isEmpty, "a state was retained on the site the tablet named")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("a database of today's schema (through migration 11) with a current state and an open alert, upgraded: rows kept, the alert still clears, and press1 of another site is a second row")
    func anUpgradedDatabaseKeepsItsEquipmentAndKeysItBySiteAndLine() throws {
        let root = TestStack.uniqueTopicRoot("equp")
        let dbURL = try TestStack.freshDatabase("equp")
        var logger = Logger(label: "ingestd.migrate")
        logger.logLevel = .warning
        _ = try Migrator(connection: try PostgresConnection(dbURL), storage: IngestConfig().storage, logger: logger).migrate(through: 11)
        let db = try PostgresConnection(dbURL)
        try db.execute("""
            INSERT INTO equipment_state_current (equipment, state, changed_at, source, seq, worker, site, line, received_at)
            VALUES ('press1', 'red', now() - interval '1 min', 'tab1', 1, 'w1', 's1', 'l1', now() - interval '1 min'),
                   ('press2', 'green', now() - interval '1 min', 'tab1', 1, 'w1', 's1', 'l2', now() - interval '1 min');
            INSERT INTO alerts (rule, kind, severity, family, site, device, metric, raised_at, detail)
            VALUES ('line_red', 'state', 'critical', 'equipment_state', 's1', 'press1', '', now() - interval '1 min', 'press1 is red');
            """)

        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, extra: Self.rules))
        #expect(try db.execute("SELECT count(*) FROM ingestd_migrations WHERE version IN (13, 14)").value(0, 0) == "2")
        #expect(try db.execute(Self.current).rows == [["s1", "l1", "press1", "red"], ["s1", "l2", "press2", "green"]])
        #expect(try db.execute("SELECT line FROM alerts").value(0, 0) == "l1", "the open alert did not take its equipment's line")
        #expect(daemon.output.contains("open_alerts=1"), "the open alert was not rebuilt:\n\(daemon.output.suffix(2000))")
        let publisher = try MQTTListener(filter: "\(root)/unused")
        try publisher.publish(topic: "\(root)/s2/l1/equipment/press1/state", payload: Self.change("green", at: -10))
        #expect(waitFor(db, "SELECT count(*) FROM equipment_state_current", equals: "3") == "3", "ingestd log:\n\(daemon.output.suffix(2000))")
        #expect(try db.execute("SELECT count(*) FROM alerts WHERE cleared_at IS NULL").value(0, 0) == "1",
                "press1 of s2 going green cleared press1 of s1's alert")
        try publisher.publish(topic: "\(root)/s1/l1/equipment/press1/state", payload: Self.change("green", at: -5, seq: 2))
        #expect(waitFor(db, "SELECT count(*) FROM alerts WHERE cleared_at IS NULL", equals: "0") == "0",
                "the alert from before the upgrade did not clear; ingestd log:\n\(daemon.output.suffix(2000))")
        #expect(try db.execute(Self.current).rows
                == [["s1", "l1", "press1", "green"], ["s1", "l2", "press2", "green"], ["s2", "l1", "press1", "green"]])
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }
}
}
