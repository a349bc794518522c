import Foundation
import IngestCore
@testable import IngestRuntime
import Logging
import PostgresClient
import Testing

extension StackTests {
/// On a database whose `public` is writable (every one made before PostgreSQL 15, or
/// pg_upgraded), a reader creates overloads of the built-ins that the SECURITY DEFINER
/// functions call, and of the functions the daemon calls, each a better match than the real
/// one, each noting that it ran and as whom. The daemon's maintenance (partitions, rollup
/// refresh, retention), called as the daemon calls it, never reaches them on the latest
/// schema; on version 11's functions it does, as the owner.
@Suite struct SearchPathHijackTests {
    /// The overloads the reader makes, by the name each notes in `hijack_log`.
    static let builtinOverloads: [String: String] = [
        "format(text, text)": """
            CREATE FUNCTION public.format(text, text) RETURNS text LANGUAGE plpgsql AS $h$
            BEGIN INSERT INTO public.hijack_log VALUES ('format(text, text)', current_user); RETURN pg_catalog.format($1, $2); END $h$;
            """,
        "format(text, text, text, timestamptz, timestamptz)": """
            CREATE FUNCTION public.format(text, text, text, timestamptz, timestamptz) RETURNS text LANGUAGE plpgsql AS $h$
            BEGIN INSERT INTO public.hijack_log VALUES ('format(text, text, text, timestamptz, timestamptz)', current_user);
                  RETURN pg_catalog.format($1, $2, $3, $4, $5); END $h$;
            """,
        "format(text, name)": """
            CREATE FUNCTION public.format(text, name) RETURNS text LANGUAGE plpgsql AS $h$
            BEGIN INSERT INTO public.hijack_log VALUES ('format(text, name)', current_user); RETURN pg_catalog.format($1, $2); END $h$;
            """,
        "to_char(date, text)": """
            CREATE FUNCTION public.to_char(date, text) RETURNS text LANGUAGE plpgsql AS $h$
            BEGIN INSERT INTO public.hijack_log VALUES ('to_char(date, text)', current_user);
                  RETURN pg_catalog.to_char($1::timestamp, $2); END $h$;
            """,
        "generate_series(date, date, interval)": """
            CREATE FUNCTION public.generate_series(date, date, interval) RETURNS SETOF timestamp LANGUAGE plpgsql AS $h$
            BEGIN INSERT INTO public.hijack_log VALUES ('generate_series(date, date, interval)', current_user);
                  RETURN QUERY SELECT pg_catalog.generate_series($1::timestamp, $2::timestamp, $3); END $h$;
            """,
        "unnest(timestamptz[])": """
            CREATE FUNCTION public.unnest(timestamptz[]) RETURNS SETOF timestamptz LANGUAGE plpgsql AS $h$
            BEGIN INSERT INTO public.hijack_log VALUES ('unnest(timestamptz[])', current_user);
                  RETURN QUERY SELECT pg_catalog.unnest($1); END $h$;
            """,
        "cardinality(timestamptz[])": """
            CREATE FUNCTION public.cardinality(timestamptz[]) RETURNS int LANGUAGE plpgsql AS $h$
            BEGIN INSERT INTO public.hijack_log VALUES ('cardinality(timestamptz[])', current_user);
                  RETURN pg_catalog.cardinality($1); END $h$;
            """,
        "array_agg(timestamptz)": """
            CREATE FUNCTION public.hijack_step(timestamptz[], timestamptz) RETURNS timestamptz[] LANGUAGE plpgsql AS $h$
            BEGIN INSERT INTO public.hijack_log VALUES ('array_agg(timestamptz)', current_user);
                  RETURN pg_catalog.array_append($1, $2); END $h$;
            CREATE AGGREGATE public.array_agg(timestamptz) (SFUNC = public.hijack_step, STYPE = timestamptz[]);
            """,
    ]

    /// Overloads of ingestd's own functions that the daemon's calls would prefer if it passed
    /// untyped arguments (a string type wins for an unknown-typed parameter or NULL).
    static let callOverloads = """
        CREATE FUNCTION public.ingestd_ensure_partitions(text, text) RETURNS int LANGUAGE plpgsql AS $h$
        BEGIN INSERT INTO public.hijack_log VALUES ('ingestd_ensure_partitions(text, text)', current_user); RETURN 0; END $h$;
        CREATE FUNCTION public.ingestd_refresh_rollups(text, int) RETURNS int LANGUAGE plpgsql AS $h$
        BEGIN INSERT INTO public.hijack_log VALUES ('ingestd_refresh_rollups(text, int)', current_user); RETURN 0; END $h$;
        """

    struct Planted {
        var logins: LeastPrivilegeTests.Logins
        var layout: StorageLayout
        var owner: PostgresConnection
        var writer: PostgresConnection
        var reader: PostgresConnection
    }

    /// A database owned by its owner login, migrated (through `through`), CREATE on `public`
    /// granted to a reader login, and the reader's overloads in it.
    static func planted(_ label: String, engine: IngestConfig.StorageEngine, through: Int?) throws -> Planted {
        let logins = try LeastPrivilegeTests.Logins.make(label)
        var storage = IngestConfig().storage
        storage.engine = engine
        let owner = try PostgresConnection(logins.owner)
        let report = try Migrator(connection: owner, storage: storage, logger: Logger(label: "test.migrator")).migrate(through: through)
        let base = try #require(TestStack.adminDatabaseURL?.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/"))
        let admin = try PostgresConnection("\(base)/\(logins.database)")
        try admin.execute("GRANT CREATE ON SCHEMA public TO \(logins.names[2])")
        let reader = try PostgresConnection(logins.reader)
        try reader.execute("""
            CREATE TABLE public.hijack_log (fn text, run_as text);
            GRANT INSERT, SELECT ON public.hijack_log TO PUBLIC;
            """)
        for sql in builtinOverloads.values { try reader.execute(sql) }
        try reader.execute(callOverloads)
        return Planted(logins: logins, layout: report.layout, owner: owner, writer: try PostgresConnection(logins.writer), reader: reader)
    }

    /// The daemon's maintenance on native partitions, with the SQL it sends (as the writer):
    /// the daily partitions, rows that fire the rollup triggers, a rollup refresh, and with a
    /// retention recorded by the owner, a refresh that lets minutes go and the drop of old partitions.
    static func maintain(_ s: Planted) throws {
        #expect(try s.writer.execute(DatabaseWriter.ensurePartitionsCall, [.text("8"), .text("3")]).value(0, 0) != nil)
        try s.writer.execute("""
            INSERT INTO sensor_readings (ts, device, metric, value, site, received_at)
                SELECT now() - g * interval '1 minute', 'd1', 'temp', g, 's1', now() FROM generate_series(0, 9) g;
            INSERT INTO battery_readings (ts, battery, site, voltage, received_at)
                SELECT now() - g * interval '1 minute', 'b1', 's1', 48 + g, now() FROM generate_series(0, 9) g;
            """)
        #expect(Int(try s.writer.execute(RollupRefresher.refreshCall(keepSince: nil, rows: 100_000)).value(0, 0) ?? "") ?? 0 >= 10)
        #expect(Int(try s.owner.execute("SELECT count(*) FROM sensor_rollup_1m").value(0, 0) ?? "") ?? 0 >= 10)
        // The retention the owner's config keeps (what StoragePolicies records at every migrate).
        try s.owner.execute("UPDATE ingestd_storage_policy SET retention = INTERVAL '86400 seconds'")
        try s.writer.execute("INSERT INTO sensor_readings (ts, device, metric, value, site, received_at) VALUES (now(), 'd2', 'temp', 1, 's1', now())")
        #expect(try s.writer.execute(RollupRefresher.refreshCall(keepSince: "pg_catalog.now() - INTERVAL '86400 seconds'", rows: 100_000))
            .value(0, 0) != "0")
        let dropped = try s.writer.execute(RollupRefresher.dropCall(before: "pg_catalog.now() - INTERVAL '172800 seconds'")).value(0, 0)
        #expect(Int(dropped ?? "") ?? 0 > 0, "no partition was dropped: the retention path did not run")
    }

    static func reached(_ s: Planted) throws -> [(fn: String, runAs: String)] {
        try s.reader.execute("SELECT DISTINCT fn, run_as FROM public.hijack_log ORDER BY 1, 2").rows.map { ($0[0] ?? "", $0[1] ?? "") }
    }

    @Test("with public writable, the daemon's maintenance never reaches a reader's overloads of what the SECURITY DEFINER functions call",
          arguments: ["auto", "partitions"])
    func overloadsAreNeverReached(engine: String) throws {
        let s = try Self.planted("hijack", engine: engine == "partitions" ? .partitions : .auto, through: nil)
        defer { s.logins.drop() }
        print("storage path under test: \(s.layout.rawValue)")
        let definers = try s.owner.execute("""
            SELECT p.oid::regprocedure::text, array_to_string(p.proconfig, ';') FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
            """).rows
        guard s.layout == .partitions else {
            #expect(definers.isEmpty, "TimescaleDB's layout has SECURITY DEFINER functions: \(definers)")
            return
        }
        #expect(definers.count == LeastPrivilegeTests.securityDefiners.count)
        for row in definers { #expect(row[1] == "search_path=pg_catalog, pg_temp", "\(row[0] ?? ""): \(row[1] ?? "")") }
        try Self.maintain(s)
        let reached = try Self.reached(s)
        #expect(reached.isEmpty, "the owner's functions ran a reader's overloads: \(reached)")

        // The overloads are live: the daemon's call as it was before (untyped parameters,
        // unqualified) picks the reader's ingestd_ensure_partitions(text, text).
        try s.writer.execute("SELECT ingestd_ensure_partitions($1, $2)", [.text("8"), .text("3")])
        #expect(try Self.reached(s).map(\.fn) == ["ingestd_ensure_partitions(text, text)"])
    }

    @Test("on version 11's functions the same overloads run, as the owner (what version 12 closes)")
    func version11ReachesTheOverloads() throws {
        let s = try Self.planted("hijack11", engine: .partitions, through: 11)
        defer { s.logins.drop() }
        try Self.maintain(s)
        let reached = try Self.reached(s)
        #expect(Set(reached.map(\.fn)) == Set(Self.builtinOverloads.keys), "\(reached)")
        #expect(Set(reached.map(\.runAs)) == [s.logins.names[0]], "\(reached)")

        // Upgraded to the latest version with the overloads still there: no longer reached.
        var storage = IngestConfig().storage
        storage.engine = .partitions
        _ = try Migrator(connection: s.owner, storage: storage, logger: Logger(label: "test.migrator")).migrate()
        try s.reader.execute("TRUNCATE public.hijack_log")
        try Self.maintain(s)
        #expect(try Self.reached(s).isEmpty)
    }

    @Test("the daemon itself, run as the writer with public writable, stores and rolls up readings without reaching the overloads; on version 11's functions it reaches them",
          arguments: [nil, 11] as [Int?])
    func theDaemonNeverReachesTheOverloads(through: Int?) throws {
        let s = try Self.planted("hijackrun", engine: .partitions, through: through)
        defer { s.logins.drop() }
        let root = TestStack.uniqueTopicRoot("hijackrun")
        let config = try LeastPrivilegeTests.config(root, url: s.logins.writer, ownerURL: s.logins.owner, engine: "partitions")
        try RollupTests.setStorage(config, engine: "partitions", ["rollup_refresh: 1s"])
        // Version 11 stays version 11: the daemon must not migrate it.
        var yaml = try String(contentsOfFile: config, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "  owner_url: \(s.logins.owner)\n", with: "  owner_url: \(s.logins.owner)\n  migrate_on_start: false\n")
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try TestStack.startIngestd(config: config)
        defer { if daemon.process.isRunning { _ = daemon.terminate() } }
        let listener = try MQTTListener(filter: "\(root)/ingestd/none")
        let now = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
        try listener.publish(topic: "\(root)/s1/l1/sensor/dev1/temp", payload: #"{"ts":\#(now),"value":21.5}"#)
        try listener.publish(topic: "\(root)/s1/battery/bat1/telemetry", payload: #"{"ts":\#(now),"voltage":48.1,"soc":80}"#)
        for sql in ["SELECT count(*) FROM sensor_rollup_1m WHERE device = 'dev1'", "SELECT count(*) FROM battery_rollup_1m WHERE battery = 'bat1'"] {
            #expect(TestStack.waitForCount(s.logins.owner, sql, atLeast: 1) == 1, "\(sql)\n\(daemon.output.suffix(3000))")
        }
        #expect(daemon.terminate() == 0, "\(daemon.output.suffix(3000))")
        #expect(try s.owner.execute("SELECT max(version) FROM ingestd_migrations").value(0, 0) == "\(through ?? Self.latest)")
        let reached = try Self.reached(s)
        if through == nil {
            #expect(reached.isEmpty, "the owner's functions ran a reader's overloads: \(reached)")
        } else {
            #expect(Set(reached.map(\.fn)).isSuperset(of: ["to_char(date, text)", "generate_series(date, date, interval)",
                                                            "unnest(timestamptz[])", "cardinality(timestamptz[])"]), "\(reached)")
            #expect(Set(reached.map(\.runAs)) == [s.logins.names[0]], "\(reached)")
        }
    }

    static var latest: Int { Migration.all.map(\.version).max() ?? 0 }
}
}
