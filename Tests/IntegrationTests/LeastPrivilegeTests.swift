import Foundation
import IngestRuntime
import PostgresClient
import Testing

extension StackTests {
/// Least privilege on a real PostgreSQL, on both layouts: migrations run as the tables' owner
/// (a login that is no superuser), the daemon as a login granted `ingestd_writer`, readers as
/// logins granted `ingestd_reader`. The reader cannot write, the writer cannot drop, alter,
/// truncate or delete, nobody else may call the SECURITY DEFINER functions, and the writer's
/// grants are enough for everything ingestd does.
@Suite struct LeastPrivilegeTests {
    /// A fresh database owned by a fresh owner login, and logins for each role.
    struct Logins {
        var owner: String
        var writer: String
        var reader: String
        /// A login granted nothing: what PUBLIC may do.
        var stranger: String
        var names: [String]
        var database: String

        /// Drops the database and the four logins (roles outlive a database: without this,
        /// every run would leave four in the stack's cluster).
        func drop() {
            guard let admin = TestStack.adminDatabaseURL, let db = try? PostgresConnection(admin) else { return }
            _ = try? db.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            for name in names { _ = try? db.execute("DROP ROLE IF EXISTS \(name)") }
        }

        /// The four logins and a database owned by the first; the group roles are made when
        /// missing, as a DBA would before the first migration.
        static func make(_ label: String) throws -> Logins {
            let admin = try PostgresConnection(try #require(TestStack.adminDatabaseURL))
            let n = UInt32.random(in: 0...UInt32.max)
            let names = ["owner", "writer", "reader", "stranger"].map { "lp_\($0)_\(n)" }
            try admin.execute("""
                DO $r$ BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ingestd_writer') THEN CREATE ROLE ingestd_writer NOLOGIN; END IF;
                    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ingestd_reader') THEN CREATE ROLE ingestd_reader NOLOGIN; END IF;
                END $r$;
                CREATE ROLE \(names[0]) LOGIN;
                CREATE ROLE \(names[1]) LOGIN IN ROLE ingestd_writer;
                CREATE ROLE \(names[2]) LOGIN IN ROLE ingestd_reader;
                CREATE ROLE \(names[3]) LOGIN;
                """)
            let database = "t_\(label)_\(n)"
            try admin.execute("CREATE DATABASE \(database) OWNER \(names[0])")
            let base = try #require(TestStack.adminDatabaseURL?.split(separator: "/", omittingEmptySubsequences: false).dropLast()
                .joined(separator: "/"))
            let urls = try names.map { try ReaderViewsTests.url("\(base)/\(database)", user: $0) }
            return Logins(owner: urls[0], writer: urls[1], reader: urls[2], stranger: urls[3], names: names, database: database)
        }
    }

    /// A config whose daemon connects as `url`, and migrations as `ownerURL` when given.
    static func config(_ root: String, url: String, ownerURL: String?, engine: String, extra: String = "") throws -> String {
        let path = try TestStack.writeConfig(topicRoot: root, databaseURL: url, engine: engine, extra: extra)
        guard let ownerURL else { return path }
        var yaml = try String(contentsOfFile: path, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "database:\n  url: \(url)\n", with: "database:\n  url: \(url)\n  owner_url: \(ownerURL)\n")
        #expect(yaml.contains("owner_url: \(ownerURL)"))
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Logins and a database migrated by its owner for a daemon that connects as the writer;
    /// `storage` lines go to the config's storage block.
    static func migrated(_ label: String, engine: String, storage: [String] = [], extra: String = "") throws
        -> (logins: Logins, config: String, root: String) {
        let logins = try Logins.make(label)
        let root = TestStack.uniqueTopicRoot(label)
        let config = try config(root, url: logins.writer, ownerURL: logins.owner, engine: engine, extra: extra)
        try RollupTests.setStorage(config, engine: engine, storage)
        try TestStack.migrate(config: config)
        return (logins, config, root)
    }

    /// Runs `sql` and expects PostgreSQL to refuse it for want of a privilege (42501).
    static func expectRefused(_ db: PostgresConnection, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: PostgresError.self, "\(sql)", sourceLocation: sourceLocation) { try db.execute(sql) }
        #expect(error?.sqlState == "42501", "\(sql): \(String(describing: error))", sourceLocation: sourceLocation)
    }

    /// Every table of ingestd's (partitions included), and a column of each.
    static func tables(_ db: PostgresConnection) throws -> [(table: String, column: String)] {
        try db.execute("""
            SELECT c.relname, (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = 1)
            FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1
            """).rows.map { ($0[0] ?? "", $0[1] ?? "") }
    }

    static let securityDefiners: Set<String> = ["ingestd_ensure_partitions(integer,integer)",
                                                "ingestd_refresh_rollups(timestamp with time zone,integer)",
                                                "ingestd_drop_partitions_before(timestamp with time zone)",
                                                "ingestd_rollup_touched()"]

    @Test("every SECURITY DEFINER function in public pins search_path with pg_temp last and is not executable by PUBLIC; PUBLIC holds nothing on any table",
          arguments: ["auto", "partitions"])
    func securityDefinerFunctionsAreLockedDown(engine: String) throws {
        let s = try Self.migrated("lpdefiner", engine: engine)
        defer { s.logins.drop() }
        let db = try PostgresConnection(s.logins.owner)
        let partitioned = try db.execute("SELECT layout FROM ingestd_migrations WHERE version = 1").value(0, 0) == "partitions"
        let definers = try db.execute("""
            SELECT p.oid::regprocedure::text, array_to_string(p.proconfig, ';'),
                   p.proacl IS NOT NULL AND NOT EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0),
                   has_function_privilege('\(s.logins.names[3])', p.oid, 'EXECUTE')
            FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
            """).rows
        #expect(Set(definers.map { $0[0] ?? "" }) == (partitioned ? Self.securityDefiners : []))
        for row in definers {
            let config = row[1] ?? ""
            // Migration 15's refresh puts pg_catalog first (as branch sql's hardening does).
            #expect((config.contains("search_path=public, pg_temp") || config.contains("search_path=pg_catalog, public, pg_temp"))
                    && !config.contains("pg_temp,"), "\(row[0] ?? ""): \(config)")
            #expect(row[2] == "t", "PUBLIC may execute \(row[0] ?? "")")
            #expect(row[3] == "f", "a login granted nothing may execute \(row[0] ?? "")")
        }
        let publicGrants = try db.execute("""
            SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relacl IS NOT NULL
              AND EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = 0)
            """).rows.map { $0[0] ?? "" }
        #expect(publicGrants.isEmpty, "PUBLIC holds privileges on \(publicGrants)")
        #expect(try db.execute("SELECT has_schema_privilege('\(s.logins.names[1])', 'public', 'CREATE')").value(0, 0) == "f")
    }

    @Test("the reader cannot insert, update, delete or truncate any table, nor call the partition and rollup functions",
          arguments: ["auto", "partitions"])
    func theReaderCannotWrite(engine: String) throws {
        let s = try Self.migrated("lpreader", engine: engine)
        defer { s.logins.drop() }
        let reader = try PostgresConnection(s.logins.reader)
        #expect(try reader.execute("SELECT count(*) FROM sensor_readings").value(0, 0) == "0")
        #expect(try reader.execute("SELECT count(*) FROM sensor_rollup_1m").value(0, 0) == "0")
        let tables = try Self.tables(reader)
        #expect(tables.count >= 7)
        for (table, column) in tables {
            Self.expectRefused(reader, "INSERT INTO \(table) DEFAULT VALUES")
            Self.expectRefused(reader, "UPDATE \(table) SET \(column) = \(column) WHERE false")
            Self.expectRefused(reader, "DELETE FROM \(table) WHERE false")
            Self.expectRefused(reader, "TRUNCATE \(table)")
        }
        for call in ["ingestd_ensure_partitions(1, 1)", "ingestd_refresh_rollups(NULL, 10)", "ingestd_drop_partitions_before(now())"] {
            let exists = try reader.execute("SELECT to_regproc('\(call.prefix { $0 != "(" })') IS NOT NULL").value(0, 0) == "t"
            if exists { Self.expectRefused(reader, "SELECT \(call)") }
        }
        Self.expectRefused(reader, "CREATE TABLE public.reader_was_here (x int)")
    }

    @Test("the writer writes rows but cannot drop, alter, truncate or delete them, nor create tables, nor touch the rollups' or the policy's tables",
          arguments: ["auto", "partitions"])
    func theWriterCannotDropOrAlter(engine: String) throws {
        let s = try Self.migrated("lpwriter", engine: engine)
        defer { s.logins.drop() }
        let writer = try PostgresConnection(s.logins.writer)
        try writer.execute("INSERT INTO sensor_readings (ts, device, metric, value, received_at) VALUES (now(), 'd1', 'temp', 1, now())")
        try writer.execute("UPDATE sensor_readings SET value = 2 WHERE device = 'd1'")
        #expect(try writer.execute("SELECT value FROM sensor_readings").value(0, 0) == "2")
        for table in ["sensor_readings", "battery_readings", "equipment_state_history", "equipment_state_current",
                      "machine_events", "dead_letters", "alerts", "ingestd_migrations"] {
            Self.expectRefused(writer, "DROP TABLE \(table)")
            Self.expectRefused(writer, "ALTER TABLE \(table) ADD COLUMN writer_was_here int")
            Self.expectRefused(writer, "TRUNCATE \(table)")
            Self.expectRefused(writer, "DELETE FROM \(table)")
        }
        Self.expectRefused(writer, "ALTER TABLE sensor_readings OWNER TO \(s.logins.names[1])")
        Self.expectRefused(writer, "CREATE TABLE writer_was_here (x int)")
        Self.expectRefused(writer, "CREATE TABLE public.writer_was_here (x int)")
        Self.expectRefused(writer, "INSERT INTO ingestd_migrations (version, name, layout) VALUES (99, 'x', 'partitions')")
        for table in try Self.tables(writer).map(\.table) where table.hasPrefix("ingestd_storage_policy") || table.hasPrefix("rollup_pending")
            || table.contains("_rollup_") {
            Self.expectRefused(writer, "DELETE FROM \(table)")
        }
        #expect(try writer.execute("SELECT count(*) FROM sensor_readings").value(0, 0) == "1")
    }

    @Test("native partitions: the writer's calls cannot make partitions far from today, nor drop or let go of data the owner's retention keeps")
    func theWritersFunctionCallsAreClamped() throws {
        let s = try Self.migrated("lpclamp", engine: "partitions", storage: ["retention: 30d"])
        defer { s.logins.drop() }
        let owner = try PostgresConnection(s.logins.owner)
        let writer = try PostgresConnection(s.logins.writer)
        let partitions = "SELECT count(*) FROM pg_class WHERE relname ~ '_p[0-9]{8}$'"
        let before = try #require(Int(try owner.execute(partitions).value(0, 0) ?? ""))
        for call in ["ingestd_ensure_partitions(0, 5000)", "ingestd_ensure_partitions(5000, 0)", "ingestd_ensure_partitions(-3, 1)",
                     "ingestd_ensure_partitions(0, -40)", "ingestd_ensure_partitions(NULL, 1)"] {
            let error = #expect(throws: PostgresError.self, "\(call)") { try writer.execute("SELECT \(call)") }
            #expect(error?.message.contains("days_back must be 0 to 400 and days_ahead 0 to 31") == true, "\(String(describing: error))")
        }
        #expect(try owner.execute(partitions).value(0, 0) == String(before))
        #expect(try owner.execute("SELECT count(*) FROM pg_class WHERE relname = 'sensor_readings_p' || to_char(current_date + 31, 'YYYYMMDD')")
            .value(0, 0) == "0")
        #expect(try writer.execute("SELECT ingestd_ensure_partitions(40, 31)").value(0, 0) != "0", "the widest window is allowed")

        // A reading of today and one 35 days old; the retention (30 d) is the owner's, not the caller's.
        try writer.execute("""
            INSERT INTO sensor_readings (ts, device, metric, value, site, received_at)
            VALUES (now() - interval '1 minute', 'd1', 'temp', 1, 's1', now()),
                   ((current_date - 35)::timestamptz + interval '12 hours', 'd1', 'temp', 2, 's1', now())
            """)
        #expect(try writer.execute("SELECT ingestd_refresh_rollups('infinity', 2000000000)").value(0, 0) == "2")
        #expect(try writer.execute("SELECT count(*) FROM sensor_readings").value(0, 0) == "2")
        #expect(try owner.execute("SELECT count(*) FROM sensor_rollup_1m WHERE bucket > now() - interval '1 hour'").value(0, 0) == "1",
                "a keep_since later than the retention let go of a minute whose raw rows are there")
        let dropped = try #require(Int(try writer.execute("SELECT ingestd_drop_partitions_before('infinity')").value(0, 0) ?? ""))
        #expect(dropped > 0)
        #expect(try owner.execute("SELECT count(*) FROM sensor_readings").value(0, 0) == "1", "only the reading past the retention goes")
        #expect(try owner.execute("SELECT count(*) FROM pg_class WHERE relname = 'sensor_readings_p' || to_char(current_date, 'YYYYMMDD')")
            .value(0, 0) == "1")

        // Without a retention in the config, nothing may be dropped.
        try RollupTests.setStorage(s.config, engine: "partitions", [])
        try TestStack.migrate(config: s.config)
        #expect(try writer.execute("SELECT ingestd_drop_partitions_before('infinity')").value(0, 0) == "0")
    }

    @Test("a login granted nothing (PUBLIC) cannot call the SECURITY DEFINER functions nor read the tables")
    func publicCannotCallTheFunctions() throws {
        let s = try Self.migrated("lppublic", engine: "partitions")
        defer { s.logins.drop() }
        let stranger = try PostgresConnection(s.logins.stranger)
        for call in ["ingestd_ensure_partitions(1, 1)", "ingestd_refresh_rollups(NULL, 10)",
                     "ingestd_drop_partitions_before(now())", "ingestd_rollup_touched()"] {
            Self.expectRefused(stranger, "SELECT \(call)")
        }
        Self.expectRefused(stranger, "SELECT count(*) FROM sensor_readings")
        Self.expectRefused(stranger, "SELECT count(*) FROM ingestd_migrations")
    }

    @Test("ingestd migrates as the owner and runs as a writer login: every family, dead letters, alerts and rollups land, with no warning about its role",
          arguments: ["auto", "partitions"])
    func aWriterLoginIsEnoughToRun(engine: String) throws {
        let rules = """
            alerts:
              rules:
                - {name: battery_overheat, family: battery, parameter: temperature, kind: threshold, above: 60, clear_below: 55, severity: critical}
            """
        let s = try Self.migrated("lprun", engine: engine, storage: ["rollup_refresh: 1s"], extra: rules)
        defer { s.logins.drop() }
        let daemon = try TestStack.startIngestd(config: s.config)
        defer { if daemon.process.isRunning { _ = daemon.terminate() } }
        let listener = try MQTTListener(filter: "\(s.root)/ingestd/alerts/#")
        let now = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
        let iso = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(now) / 1000))
        try listener.publish(topic: "\(s.root)/s1/l1/sensor/dev1/temp", payload: #"{"ts":\#(now),"value":21.5}"#)
        try listener.publish(topic: "\(s.root)/s1/l1/sensor/dev1/temp", payload: #"{"ts":\#(now),"value":22.5}"#)  // a correction
        try listener.publish(topic: "\(s.root)/s1/battery/bat1/telemetry", payload: #"{"ts":\#(now),"voltage":48.1,"temperature":70,"soc":80}"#)
        try listener.publish(topic: "\(s.root)/s1/l1/equipment/press1/state",
                             payload: #"{"state":"red","changed_at":"\#(iso)","worker":"w1","source":"tab1","seq":1}"#)
        try listener.publish(topic: "\(s.root)/s1/l1/machine/m1/events",
                             payload: #"{"event_id":"e1","event_time":\#(now),"duration_ms":1200,"defect_count":0,"received_time":\#(now + 1000)}"#)
        try listener.publish(topic: "\(s.root)/s1/l1/sensor/dev1/temp", payload: "not json")
        let owner = s.logins.owner
        for (sql, n) in [("SELECT count(*) FROM sensor_readings WHERE value = 22.5", 1), ("SELECT count(*) FROM battery_readings", 1),
                         ("SELECT count(*) FROM equipment_state_current WHERE state = 'red'", 1), ("SELECT count(*) FROM machine_events", 1),
                         ("SELECT count(*) FROM dead_letters", 1), ("SELECT count(*) FROM alerts WHERE rule = 'battery_overheat'", 1),
                         ("SELECT count(*) FROM sensor_rollup_1m WHERE device = 'dev1' AND last = 22.5", 1)] {
            #expect(TestStack.waitForCount(owner, sql, atLeast: n) == n, "\(sql)\n\(daemon.output.suffix(3000))")
        }
        #expect(listener.waitFor(count: 1, onTopicPrefix: "\(s.root)/ingestd/alerts/critical/"), "\(daemon.output.suffix(3000))")
        #expect(daemon.terminate() == 0, "\(daemon.output.suffix(3000))")
        #expect(!daemon.output.contains("connects to the database as"), "\(daemon.output.suffix(3000))")
        #expect(!daemon.output.contains("permission denied"), "\(daemon.output.suffix(3000))")
    }

    @Test("run as the tables' owner, ingestd warns once at start and says how to fix it, without the password")
    func theOwnerIsWarnedAbout() throws {
        let logins = try Logins.make("lpowner")
        defer { logins.drop() }
        let root = TestStack.uniqueTopicRoot("lpowner")
        let secret = try TestStack.secretFile("s3cretOwner")
        let config = try Self.config(root, url: logins.owner, ownerURL: nil, engine: "auto")
        var yaml = try String(contentsOfFile: config, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "  url: \(logins.owner)\n", with: "  url: \(logins.owner)\n  password_file: \(secret)\n")
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try TestStack.startIngestd(config: config)
        #expect(daemon.waitForOutput("connects to the database as"), "\(daemon.output.suffix(3000))")
        #expect(daemon.terminate() == 0)
        let output = daemon.output
        #expect(output.contains("the daemon connects to the database as '\(logins.names[0])', the owner of ingestd's tables"), "\(output)")
        #expect(output.contains("database.owner_url"), "\(output)")
        #expect(output.components(separatedBy: "connects to the database as").count == 2, "warned more than once:\n\(output)")
        #expect(!output.contains("s3cret"), "\(output)")
    }

    @Test("migrations as a writer login are refused with a message naming database.owner_url")
    func migratingAsTheWriterNamesTheOwnerURL() throws {
        let logins = try Logins.make("lpnotowner")
        defer { logins.drop() }
        let config = try Self.config(TestStack.uniqueTopicRoot("lpnotowner"), url: logins.writer, ownerURL: nil, engine: "auto")
        let migrate = try ChildProcess(TestStack.binary("ingestd"), ["migrate", "--config", config], label: "migrate")
        #expect(migrate.waitForExit() == 1)
        #expect(migrate.output.contains("migrations must run as the role that owns ingestd's tables, and '\(logins.names[1])' may not"),
                "\(migrate.output)")
        #expect(migrate.output.contains("database.owner_url"), "\(migrate.output)")
    }
}
}
