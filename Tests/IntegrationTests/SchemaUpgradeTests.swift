import Foundation
import IngestCore
@testable import IngestRuntime
import Logging
import PostgresClient
import Testing

extension StackTests {
/// A database migrated from nothing and one migrated through version 11 (the schema ingestd
/// shipped before issue 14), given rows, then upgraded to the latest version, end up with the
/// same schema, grants included (`SchemaSnapshot`), on the layout the server runs and on
/// native partitions; the rows stay.
@Suite struct SchemaUpgradeTests {
    static let todaysSchema = 11
    static var latest: Int { Migration.all.map(\.version).max() ?? 0 }

    static func migrator(_ url: String, engine: IngestConfig.StorageEngine) throws -> Migrator {
        var storage = IngestConfig().storage
        storage.engine = engine
        return Migrator(connection: try PostgresConnection(url), storage: storage, logger: Logger(label: "test.migrator"))
    }

    /// A row in every table the daemon writes, as of version 11's columns.
    static func insertRows(_ db: PostgresConnection) throws {
        try db.execute("""
            INSERT INTO sensor_readings (ts, device, metric, value, site, line, received_at)
                VALUES (now() - interval '1 hour', 'd1', 'temp', 21.5, 's1', 'l1', now());
            INSERT INTO battery_readings (ts, battery, site, voltage, soc, received_at)
                VALUES (now() - interval '1 hour', 'b1', 's1', 48.5, 80, now());
            INSERT INTO equipment_state_history (changed_at, equipment, source, state, site, line, received_at)
                VALUES (now() - interval '1 hour', 'press1', 'tablet', 'running', 's1', 'l1', now());
            INSERT INTO equipment_state_current (equipment, state, changed_at, source, site, line, received_at)
                VALUES ('press1', 'running', now() - interval '1 hour', 'tablet', 's1', 'l1', now());
            INSERT INTO machine_events (event_id, machine, site, line, event_time, duration_ms, defect_count, received_time, received_at)
                VALUES ('e1', 'm7', 's1', 'l1', now() - interval '1 hour', 1200, 2, now(), now());
            INSERT INTO dead_letters (received_at, topic, family, reason_code, reason, payload, payload_size, message_key)
                VALUES (now(), 'plant/s1/l1/sensor/d1/temp', 'sensor', 'invalid_json', 'not JSON', '\\x7b', 1, 42);
            INSERT INTO alerts (rule, kind, severity, family, site, device, metric, value, threshold, raised_at)
                VALUES ('hot', 'threshold', 'warning', 'sensor', 's1', 'd1', 'temp', 90, 80, now() - interval '1 hour');
            """)
    }

    static let tables = ["sensor_readings", "battery_readings", "equipment_state_history", "equipment_state_current",
                         "machine_events", "dead_letters", "alerts"]

    @Test("a fresh database and one upgraded from version 11 with rows in it have the same schema, grants included",
          arguments: ["auto", "partitions"])
    func upgradedSchemaIsTheFreshOne(engine: String) throws {
        let storageEngine: IngestConfig.StorageEngine = engine == "partitions" ? .partitions : .auto
        let fresh = try TestStack.freshDatabase("schemafresh")
        let upgraded = try TestStack.freshDatabase("schemaupgrade")

        let all = try Self.migrator(fresh, engine: storageEngine).migrate()
        #expect(all.current == Self.latest)

        let old = try Self.migrator(upgraded, engine: storageEngine).migrate(through: Self.todaysSchema)
        #expect(old.applied == Array(1...Self.todaysSchema))
        #expect(old.current == Self.todaysSchema)
        #expect(old.layout == all.layout)
        print("storage path under test: \(old.layout.rawValue)")
        let db = try PostgresConnection(upgraded)
        #expect(try db.execute("SELECT max(version) FROM ingestd_migrations").value(0, 0) == "\(Self.todaysSchema)")
        try Self.insertRows(db)

        let up = try Self.migrator(upgraded, engine: storageEngine).migrate()
        #expect(up.applied == Migration.all.map(\.version).filter { $0 > Self.todaysSchema })
        #expect(up.current == Self.latest)
        for table in Self.tables {
            #expect(try db.execute("SELECT count(*) FROM \(table)").value(0, 0) == "1", "\(table) lost its row in the upgrade")
        }

        let freshLines = try SchemaSnapshot.lines(try PostgresConnection(fresh))
        let upgradedLines = try SchemaSnapshot.lines(db)
        #expect(freshLines.count > 100)
        #expect(freshLines.contains { $0.hasPrefix("function ") && $0.contains("acl=") })
        let onlyFresh = freshLines.filter { !upgradedLines.contains($0) }
        let onlyUpgraded = upgradedLines.filter { !freshLines.contains($0) }
        #expect(onlyFresh.isEmpty && onlyUpgraded.isEmpty,
                "only in the fresh database:\n\(onlyFresh.joined(separator: "\n"))\nonly in the upgraded one:\n\(onlyUpgraded.joined(separator: "\n"))")
    }

    @Test("migrate(through:) applies only the versions up to it; a later migrate applies the rest")
    func migrateThroughStops() throws {
        let url = try TestStack.freshDatabase("through")
        let first = try Self.migrator(url, engine: .partitions).migrate(through: 3)
        #expect(first.applied == [1, 2, 3])
        #expect(first.current == 3)
        let again = try Self.migrator(url, engine: .partitions).migrate(through: 3)
        #expect(again.applied.isEmpty)
        let rest = try Self.migrator(url, engine: .partitions).migrate()
        #expect(rest.applied == Migration.all.map(\.version).filter { $0 > 3 })
    }
}
}
