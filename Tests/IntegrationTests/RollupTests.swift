import Foundation
import IngestCore
import IngestRuntime
import PostgresClient
import Testing

/// The rollups of migration 10 on a real PostgreSQL, on both layouts: they agree exactly with
/// aggregates computed here from the raw rows, after corrections, deletes and late data; the
/// TimescaleDB policies follow the config and their jobs work; ingestd's refresher keeps the
/// native-partition rollups, drops partitions past the retention, and stops.
extension StackTests {
@Suite struct RollupTests {
    /// The four reader views and, for each, the same figures computed from the raw rows
    /// (bucket on the UTC grid; last = the value of the newest ts, null or not).
    static func expected(_ view: String) -> (columns: String, raw: String) {
        let width = view.hasSuffix("_1m") ? "1 minute" : "1 hour"
        let bucket = "date_bin('\(width)', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
        if view.hasPrefix("sensor") {
            return ("bucket, site, device, metric, samples, min, max, avg, last, last_ts", """
                SELECT \(bucket), site, device, metric, count(*), min(value), max(value), avg(value),
                       (array_agg(value ORDER BY ts DESC))[1], max(ts)
                FROM sensor_readings GROUP BY 1, 2, 3, 4
                """)
        }
        let measures = ["voltage", "current", "temperature", "soc", "soh"]
        return ("bucket, site, battery, samples, "
                    + measures.map { "\($0)_min, \($0)_max, \($0)_avg, \($0)_last" }.joined(separator: ", ") + ", last_ts", """
                SELECT \(bucket), site, battery, count(*),
                       \(measures.map { "min(\($0)), max(\($0)), avg(\($0)), (array_agg(\($0) ORDER BY ts DESC))[1]" }.joined(separator: ", ")),
                       max(ts)
                FROM battery_readings GROUP BY 1, 2, 3
                """)
    }

    static let views = ["sensor_rollup_1m", "sensor_rollup_1h", "battery_rollup_1m", "battery_rollup_1h"]

    /// Rows in one side and not the other, over the four views; buckets from `since` on.
    static func mismatches(_ db: PostgresConnection, since: String = "'-infinity'") throws -> [String: Int] {
        var out: [String: Int] = [:]
        for view in views {
            let (columns, raw) = expected(view)
            let n = try db.execute("""
                WITH raw AS (SELECT * FROM (\(raw)) r (\(columns)) WHERE bucket >= \(since)),
                     rollup AS (SELECT \(columns) FROM \(view) WHERE bucket >= \(since))
                SELECT (SELECT count(*) FROM (SELECT * FROM raw EXCEPT ALL SELECT * FROM rollup) a)
                     + (SELECT count(*) FROM (SELECT * FROM rollup EXCEPT ALL SELECT * FROM raw) b)
                """).value(0, 0)
            out[view] = Int(n ?? "") ?? -1
        }
        return out
    }

    static let agreeing = Dictionary(uniqueKeysWithValues: views.map { ($0, 0) })

    /// A migrated database on `engine`, with `storage` lines added to the config's storage block.
    static func migrated(_ label: String, engine: String, storage: [String] = []) throws -> (url: String, config: String, root: String) {
        let url = try TestStack.freshDatabase(label)
        let root = TestStack.uniqueTopicRoot(label)
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: url, engine: engine)
        try setStorage(config, engine: engine, storage)
        try TestStack.migrate(config: config)
        return (url, config, root)
    }

    /// Rewrites the storage block of a config written by `TestStack.writeConfig`.
    static func setStorage(_ config: String, engine: String, _ lines: [String]) throws {
        var text = try String(contentsOfFile: config, encoding: .utf8)
        let start = try #require(text.range(of: "storage:\n"))
        let end = try #require(text.range(of: "writer:\n"))
        text.replaceSubrange(start.lowerBound..<end.lowerBound,
                             with: "storage:\n  engine: \(engine)\n" + lines.map { "  \($0)\n" }.joined())
        try text.write(toFile: config, atomically: true, encoding: .utf8)
    }

    static func layout(_ db: PostgresConnection) throws -> String {
        try db.execute("SELECT layout FROM ingestd_migrations WHERE version = 1").value(0, 0) ?? "?"
    }

    /// Brings every rollup up to date by hand: the continuous aggregates' refresh, or what
    /// ingestd's refresher calls.
    static func refresh(_ db: PostgresConnection) throws {
        if try layout(db) == "hypertable" {
            for width in ["1m", "1h"] {
                for family in ["sensor", "battery"] {
                    try db.execute("CALL refresh_continuous_aggregate('\(family)_rollup_\(width)_agg', NULL, NULL)")
                }
            }
        } else {
            #expect(try db.execute("SELECT ingestd_refresh_rollups(NULL, 1000000) >= 0").value(0, 0) == "t")
        }
    }

    /// Sensor rows every 10 s and battery rows every 20 s (some measures null) over two hours
    /// ending two hours before the current hour; values are multiples of 1/4, so every sum is exact.
    static func insertRaw(_ db: PostgresConnection) throws {
        try db.execute("""
            INSERT INTO sensor_readings (ts, device, metric, value, site, received_at)
            SELECT date_trunc('hour', now()) - interval '4 hours' + g * interval '10 seconds',
                   'd' || (g % 3), CASE WHEN g % 2 = 0 THEN 'temp' ELSE 'rpm' END, (g % 13) * 0.25 - 1,
                   CASE WHEN g % 3 = 2 THEN 's2' ELSE 's1' END, now()
            FROM generate_series(0, 719) g;
            INSERT INTO battery_readings (ts, battery, site, voltage, current, temperature, soc, soh, received_at)
            SELECT date_trunc('hour', now()) - interval '4 hours' + g * interval '20 seconds', 'b' || (g % 2), 's1',
                   48 + (g % 7) * 0.5, CASE WHEN g % 5 = 0 THEN NULL ELSE -(g % 9) * 0.25 END,
                   CASE WHEN g % 4 = 3 THEN NULL ELSE 20 + (g % 11) * 0.5 END, 80 - (g % 20), NULL, now()
            FROM generate_series(0, 359) g;
            """)
    }

    /// A correction (same key, other value), a delete, late data into a minute that has rows
    /// and into one that had none, for both families, all in the past of the first refresh.
    static func changeThePast(_ db: PostgresConnection) throws {
        try db.execute("""
            INSERT INTO sensor_readings AS r (ts, device, metric, value, site, received_at)
            SELECT ts, device, metric, value + 100, site, now() FROM sensor_readings WHERE device = 'd1' ORDER BY ts LIMIT 3
            ON CONFLICT (device, metric, ts) DO UPDATE SET value = EXCLUDED.value;
            DELETE FROM sensor_readings WHERE device = 'd2' AND ts = (SELECT max(ts) FROM sensor_readings WHERE device = 'd2');
            INSERT INTO sensor_readings (ts, device, metric, value, site, received_at) VALUES
                (date_trunc('hour', now()) - interval '4 hours' + interval '95 seconds', 'd0', 'temp', -7.5, 's1', now()),
                (date_trunc('hour', now()) - interval '5 hours' + interval '1 second', 'd9', 'temp', 3.25, 's3', now());
            UPDATE battery_readings SET voltage = 10, current = NULL WHERE battery = 'b1'
                AND ts = (SELECT max(ts) FROM battery_readings WHERE battery = 'b1');
            INSERT INTO battery_readings (ts, battery, site, voltage, soc, received_at) VALUES
                (date_trunc('hour', now()) - interval '4 hours' + interval '5 seconds', 'b0', 's1', 60.5, 12, now());
            """)
    }

    @Test("the rollups agree with the raw rows, after corrections, deletes and late data", arguments: ["auto", "partitions"])
    func rollupsAgreeWithTheRawRows(engine: String) throws {
        let s = try Self.migrated("rollups", engine: engine)
        let db = try PostgresConnection(s.url)
        let hypertable = try Self.layout(db) == "hypertable"
        print("storage path under test: \(try Self.layout(db))")
        if hypertable {
            // Only what a refresh materialised, not the real-time union with the raw rows:
            // this proves the refreshes, not the raw table.
            for view in Self.views { try db.execute("ALTER MATERIALIZED VIEW \(view)_agg SET (timescaledb.materialized_only = true)") }
        } else {
            try db.execute("SELECT ingestd_ensure_partitions(2, 1)")
        }
        try Self.insertRaw(db)
        #expect(try Self.mismatches(db).values.allSatisfy { $0 > 0 }, "rollups before any refresh")
        try Self.refresh(db)
        #expect(try Self.mismatches(db) == Self.agreeing)
        #expect(try db.execute("SELECT count(*) FROM sensor_rollup_1h").value(0, 0) == "12")  // 2 hours x 6 series
        #expect(try db.execute("SELECT count(*) FROM battery_rollup_1m").value(0, 0) == "240")

        try Self.changeThePast(db)
        #expect(try Self.mismatches(db).values.allSatisfy { $0 > 0 }, "rollups before the refresh of the changes")
        try Self.refresh(db)
        #expect(try Self.mismatches(db) == Self.agreeing)
        #expect(try db.execute("SELECT samples, last FROM sensor_rollup_1h WHERE device = 'd9'").rows == [["1", "3.25"]])

        guard hypertable else { return }
        // The refresh policies' jobs, run as the scheduler would (the data is past their end offsets).
        try db.execute("""
            INSERT INTO sensor_readings (ts, device, metric, value, site, received_at)
            VALUES (date_trunc('hour', now()) - interval '3 hours' + interval '7 seconds', 'd0', 'temp', 42, 's1', now())
            ON CONFLICT (device, metric, ts) DO UPDATE SET value = 42
            """)
        let jobs = try db.execute("""
            SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate'
            ORDER BY hypertable_name LIKE '%1h%', hypertable_name
            """).rows.compactMap { $0[0] }
        #expect(jobs.count == 4)
        for job in jobs { try db.execute("CALL run_job(\(job))") }
        #expect(try Self.mismatches(db) == Self.agreeing)
    }

    @Test("TimescaleDB: compression, retention and refresh policies follow the config at every migrate, and their jobs work",
          .enabled(if: TestStack.timescaleRunning, "the stack's PostgreSQL has no TimescaleDB: the native-partition path is tested"))
    func timescalePoliciesFollowTheConfig() throws {
        let s = try Self.migrated("policies", engine: "timescaledb",
                                  storage: ["rollup_refresh: 10s", "compress_after: 2d", "retention: 30d"])
        let db = try PostgresConnection(s.url)
        func jobs(_ proc: String, _ key: String) throws -> [[String?]] {
            try db.execute("""
                SELECT hypertable_name, config->>'\(key)', schedule_interval::text FROM timescaledb_information.jobs
                WHERE proc_name = '\(proc)' ORDER BY hypertable_name
                """).rows
        }
        let tables = ["battery_readings", "equipment_state_history", "sensor_readings"]
        #expect(try jobs("policy_compression", "compress_after").map { [$0[0], $0[1]] } == tables.map { [$0, "48:00:00"] })
        #expect(try jobs("policy_retention", "drop_after").map { [$0[0], $0[1]] } == tables.map { [$0, "720:00:00"] })
        let refresh = try jobs("policy_refresh_continuous_aggregate", "start_offset")
        #expect(refresh.map { $0[0] } == ["battery_rollup_1h_agg", "battery_rollup_1m_agg", "sensor_rollup_1h_agg", "sensor_rollup_1m_agg"])
        #expect(refresh.allSatisfy { $0[1] == "720:00:00" && $0[2] == "00:00:10" }, "\(refresh)")
        #expect(try db.execute("""
            SELECT attname FROM timescaledb_information.compression_settings
            WHERE hypertable_name = 'sensor_readings' AND segmentby_column_index IS NOT NULL
            """).rows == [["device"]])

        // Rows 40 days, 3 days and 2 hours old; the rollups summarise them all.
        try db.execute("""
            INSERT INTO sensor_readings (ts, device, metric, value, site, received_at)
            SELECT now() - age, 'd1', 'temp', n, 's1', now()
            FROM (VALUES (interval '40 days', 1), (interval '3 days', 2), (interval '2 hours', 3)) AS v (age, n)
            """)
        try Self.refresh(db)
        func job(_ proc: String) throws -> String {
            try #require(try db.execute("""
                SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = '\(proc)' AND hypertable_name = 'sensor_readings'
                """).value(0, 0))
        }
        try db.execute("CALL run_job(\(try job("policy_compression")))")
        #expect(try db.execute("""
            SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'sensor_readings' AND is_compressed
            """).value(0, 0) == "2", "the chunks 40 and 3 days old are compressed")
        try db.execute("CALL run_job(\(try job("policy_retention")))")
        #expect(try db.execute("SELECT array_agg(value ORDER BY value)::text FROM sensor_readings").value(0, 0) == "{2,3}")
        #expect(try db.execute("SELECT count(*) FROM sensor_rollup_1m WHERE device = 'd1'").value(0, 0) == "3",
                "the rollups keep the history of dropped chunks")

        // Another config, another migrate: the policies follow it.
        try Self.setStorage(s.config, engine: "timescaledb", ["rollup_refresh: 45s", "compress_after: off", "retention: 60d"])
        try TestStack.migrate(config: s.config)
        #expect(try jobs("policy_compression", "compress_after").isEmpty)
        #expect(try jobs("policy_retention", "drop_after").map { $0[1] } == ["1440:00:00", "1440:00:00", "1440:00:00"])
        #expect(try jobs("policy_refresh_continuous_aggregate", "start_offset").allSatisfy { $0[1] == "1440:00:00" && $0[2] == "00:00:45" })
        try Self.setStorage(s.config, engine: "timescaledb", ["retention: off"])
        try TestStack.migrate(config: s.config)
        #expect(try jobs("policy_retention", "drop_after").isEmpty)
        #expect(try jobs("policy_compression", "compress_after").count == 3)
        #expect(try jobs("policy_refresh_continuous_aggregate", "start_offset").allSatisfy { $0[1] == nil && $0[2] == "00:00:30" })
    }

    @Test("native partitions: ingestd's refresher keeps the rollups of what it writes, drops partitions past the retention, and stops with ingestd")
    func refresherKeepsRollupsAndRetention() throws {
        let s = try Self.migrated("refresher", engine: "partitions", storage: ["rollup_refresh: 1s", "retention: 30d"])
        let db = try PostgresConnection(s.url)
        try db.execute("SELECT ingestd_ensure_partitions(40, 1)")
        let old = try #require(try db.execute("SELECT 'sensor_readings_p' || to_char(current_date - 35, 'YYYYMMDD')").value(0, 0))
        try db.execute("""
            INSERT INTO sensor_readings (ts, device, metric, value, site, received_at)
            VALUES ((current_date - 35)::timestamptz + interval '12 hours', 'd1', 'temp', 1, 's1', now()),
                   (now() - interval '3 hours', 'd1', 'temp', 2, 's1', now());
            SELECT ingestd_refresh_rollups(NULL, 1000);
            """)
        let daemon = try TestStack.startIngestd(config: s.config)
        let count = "SELECT count(*) FROM pg_class WHERE relname = '\(old)'"
        #expect(TestStack.waitForCount(s.url, "SELECT 1 - (\(count))", atLeast: 1) == 1, "\(old) was not dropped:\n\(daemon.output.suffix(3000))")
        #expect(try db.execute("SELECT count(*) FROM sensor_readings").value(0, 0) == "1")
        #expect(try db.execute("SELECT count(*) FROM sensor_rollup_1m WHERE bucket < now() - interval '30 days'").value(0, 0) == "1",
                "the rollups keep the history of dropped partitions")

        // Through MQTT and the writer (COPY, staging, ON CONFLICT), then a correction of it.
        let publisher = try MQTTListener(filter: "\(s.root)/unused")
        let ts = Int64(Date().timeIntervalSince1970 * 1000) - 120_000
        try publisher.publish(topic: "\(s.root)/s1/l1/sensor/dev7/temp", payload: #"{"ts":\#(ts),"value":21.5}"#)
        let rolled = "SELECT count(*) FROM sensor_rollup_1m WHERE device = 'dev7' AND last = 21.5"
        #expect(TestStack.waitForCount(s.url, rolled, atLeast: 1) == 1, "\(daemon.output.suffix(3000))")
        try publisher.publish(topic: "\(s.root)/s1/l1/sensor/dev7/temp", payload: #"{"ts":\#(ts),"value":-3.25}"#)
        let corrected = "SELECT count(*) FROM sensor_rollup_1h WHERE device = 'dev7' AND min = -3.25 AND max = -3.25 AND samples = 1"
        #expect(TestStack.waitForCount(s.url, corrected, atLeast: 1) == 1, "\(daemon.output.suffix(3000))")
        #expect(TestStack.waitForCount(s.url, "SELECT 1 - count(*) FROM rollup_pending", atLeast: 1) == 1)
        #expect(try Self.mismatches(db, since: "now() - interval '30 days'") == Self.agreeing)

        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
        #expect(daemon.output.contains("rollup refresher stopped"))
    }

    @Test("the refresher's retry loop ends on stop while the database is unreachable")
    func refresherStopsWhileRetrying() throws {
        var config = IngestConfig()
        config.database.url = "postgresql://ingestd@127.0.0.1:1/none?connect_timeout=2"
        config.writer.retryMin = .milliseconds(10)
        config.writer.retryMax = .seconds(30)
        let refresher = RollupRefresher(config: config)
        refresher.start()
        usleep(300_000)  // a few failed attempts, then a backoff under way
        let stopped = DispatchSemaphore(value: 0)
        Thread { refresher.stop(); stopped.signal() }.start()
        #expect(stopped.wait(timeout: .now() + 60) == .success)
    }
}
}
