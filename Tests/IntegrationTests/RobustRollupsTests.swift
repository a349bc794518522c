import Foundation
import IngestCore
import IngestRuntime
import PostgresClient
import Testing

/// Migration 15 on a real PostgreSQL, on the layouts the server runs: the extremes the value
/// bounds let through roll up, in many samples to a bucket; a value beyond them is refused by
/// the table; rows stored before the upgrade beyond them are set aside so that the rollups over
/// them work; and on native partitions a minute that cannot be rolled up is set aside while the
/// others refresh and the refresher's loop ends.
extension StackTests {
@Suite struct RobustRollupsTests {
    /// An upgraded database's rollups over `minute` (a timestamptz expression), as readers query them.
    static func queryRollups(_ db: PostgresConnection, device: String) throws -> [[String?]] {
        var rows: [[String?]] = []
        for view in ["sensor_rollup_1m", "sensor_rollup_1h"] {
            rows += try db.execute("SELECT '\(view)', samples, min, max, avg FROM \(view) WHERE device = '\(device)' ORDER BY bucket").rows
        }
        return rows
    }

    @Test("the extremes the bounds let through roll up, many to a bucket, and the tables refuse a value past them",
          arguments: ["auto", "partitions"])
    func extremesRollUp(engine: String) throws {
        let s = try RollupTests.migrated("extremes", engine: engine)
        let db = try PostgresConnection(s.url)
        print("storage path under test: \(try RollupTests.layout(db))")
        if try RollupTests.layout(db) == "partitions" { try db.execute("SELECT ingestd_ensure_partitions(2, 1)") }
        // 20,000 readings in one minute: the largest and smallest values allowed, and zeros.
        try db.execute("""
            INSERT INTO sensor_readings (ts, device, metric, value, site, received_at)
            SELECT date_trunc('minute', now()) - interval '2 hours' + g * interval '1 millisecond', 'dx', 'temp',
                   CASE g % 3 WHEN 0 THEN 1e100::float8 WHEN 1 THEN -1e100::float8 ELSE 0 END, 's1', now()
            FROM generate_series(0, 19999) g;
            INSERT INTO battery_readings (ts, battery, site, voltage, current, temperature, soc, soh, received_at)
            SELECT date_trunc('minute', now()) - interval '2 hours' + g * interval '1 millisecond', 'bx', 's1',
                   CASE g % 2 WHEN 0 THEN 1e100::float8 ELSE 0 END, CASE g % 2 WHEN 0 THEN -1e100::float8 ELSE 1e100::float8 END,
                   -1e100::float8, 1e100::float8, 0, now()
            FROM generate_series(0, 9999) g;
            """)
        // Real-time aggregation (TimescaleDB) reads the raw rows before any refresh.
        _ = try Self.queryRollups(db, device: "dx")
        try RollupTests.refresh(db)
        let rows = try Self.queryRollups(db, device: "dx")
        #expect(rows.map { Array($0.prefix(4)) } == [["sensor_rollup_1m", "20000", "-1e+100", "1e+100"],
                                                    ["sensor_rollup_1h", "20000", "-1e+100", "1e+100"]])
        #expect(rows.allSatisfy { $0[4] != nil })
        #expect(try db.execute("SELECT samples, voltage_max, current_min, soc_max FROM battery_rollup_1h WHERE battery = 'bx'").rows
                == [["10000", "1e+100", "-1e+100", "1e+100"]])
        #expect(try RollupTests.mismatches(db).allSatisfy { $0.value == 0 })

        for value in ["2e154", "-2e154", "'NaN'", "'Infinity'"] {
            do {
                try db.execute("""
                    INSERT INTO sensor_readings (ts, device, metric, value, site, received_at)
                    VALUES (now() - interval '2 hours', 'dx', 'other', \(value)::float8, 's1', now())
                    """)
                Issue.record("the table stored \(value)")
            } catch {
                #expect(error.sqlState == "23514", "\(error)")  // check_violation
            }
        }
        do {
            try db.execute("INSERT INTO battery_readings (ts, battery, current, received_at) VALUES (now(), 'bx', 2e154, now())")
            Issue.record("the table stored a current of 2e154")
        } catch {
            #expect(error.sqlState == "23514", "\(error)")
        }
    }

    @Test("upgrade: rows stored before migration 15 beyond the bound go to the dead letters, and the rollups over their minute work",
          arguments: ["auto", "partitions"])
    func upgradeSetsAsideRowsBeyondTheBound(engine: String) throws {
        let url = try TestStack.freshDatabase("upgrade15")
        let db = try PostgresConnection(url)
        var storage = IngestConfig().storage
        storage.engine = IngestConfig.StorageEngine(rawValue: engine)!
        _ = try Migrator(connection: db, storage: storage).migrate(through: 14)
        let partitions = try RollupTests.layout(db) == "partitions"
        print("storage path under test: \(try RollupTests.layout(db))")
        if partitions { try db.execute("SELECT ingestd_ensure_partitions(2, 1)") }
        // What today's ingestd stored: 0 and 2e154 in one minute (and a NaN an operator wrote).
        try db.execute("""
            INSERT INTO sensor_readings (ts, device, metric, value, site, received_at) VALUES
                (date_trunc('minute', now()) - interval '2 hours', 'd1', 'temp', 0, 's1', now()),
                (date_trunc('minute', now()) - interval '2 hours' + interval '1 second', 'd1', 'temp', 2e154, 's1', now()),
                (date_trunc('minute', now()) - interval '2 hours' + interval '2 seconds', 'd1', 'temp', 'NaN', 's1', now()),
                (date_trunc('minute', now()) - interval '2 hours' + interval '3 seconds', 'd1', 'temp', 5, 's1', now());
            INSERT INTO battery_readings (ts, battery, site, voltage, current, received_at) VALUES
                (date_trunc('minute', now()) - interval '2 hours', 'b1', 's1', 0, 1, now()),
                (date_trunc('minute', now()) - interval '2 hours' + interval '1 second', 'b1', 's1', 2e154, 2, now());
            """)
        // Today: the minute cannot be rolled up.
        do {
            if partitions {
                _ = try db.execute("SELECT ingestd_refresh_rollups(NULL, 1000)")
            } else {
                _ = try db.execute("SELECT avg FROM sensor_rollup_1m WHERE device = 'd1'")
            }
            Issue.record("the rollup of 0 and 2e154 did not fail before the upgrade: the test proves nothing")
        } catch {
            #expect("\(error)".contains("out of range"), "\(error)")
        }

        let report = try Migrator(connection: db, storage: storage).migrate()
        #expect(report.applied.contains(15))
        #expect(try db.execute("SELECT value FROM sensor_readings WHERE device = 'd1' ORDER BY ts").rows == [["0"], ["5"]])
        #expect(try db.execute("SELECT voltage FROM battery_readings WHERE battery = 'b1'").rows == [["0"]])
        let letters = try db.execute("""
            SELECT family, reason_code, topic, convert_from(payload, 'UTF8')::json->>'value', reason
            FROM dead_letters ORDER BY family, id
            """).rows
        #expect(letters.map { Array($0.prefix(4)) } == [["battery", "out_of_range", "", nil],
                                                       ["sensor", "out_of_range", "", "2e+154"],
                                                       ["sensor", "out_of_range", "", "NaN"]], "\(letters)")
        try RollupTests.refresh(db)
        #expect(try db.execute("SELECT samples, min, max, avg FROM sensor_rollup_1m WHERE device = 'd1'").rows == [["2", "0", "5", "2.5"]])
        #expect(try db.execute("SELECT samples, voltage_max FROM battery_rollup_1h WHERE battery = 'b1'").rows == [["1", "0"]])
        #expect(try RollupTests.mismatches(db).allSatisfy { $0.value == 0 })
    }

    @Test("native partitions: a minute the refresh cannot roll up is set aside and logged, the others refresh, the loop ends")
    func refresherSetsAsideABadMinute() throws {
        let s = try RollupTests.migrated("setaside", engine: "partitions", storage: ["rollup_refresh: 1s"])
        let db = try PostgresConnection(s.url)
        try db.execute("SELECT ingestd_ensure_partitions(2, 1)")
        // A database that holds a value past the bound anyway (the constraint dropped by hand).
        try db.execute("ALTER TABLE sensor_readings DROP CONSTRAINT sensor_readings_value_bounded")
        try db.execute("""
            INSERT INTO sensor_readings (ts, device, metric, value, site, received_at) VALUES
                (date_trunc('minute', now()) - interval '2 hours', 'bad', 'temp', 0, 's1', now()),
                (date_trunc('minute', now()) - interval '2 hours' + interval '1 second', 'bad', 'temp', 2e154, 's1', now()),
                (date_trunc('minute', now()) - interval '90 minutes', 'good', 'temp', 1, 's1', now()),
                (date_trunc('minute', now()) - interval '3 hours', 'good', 'temp', 2, 's1', now());
            """)
        // By hand: the call ends, the good minutes are rolled up, the bad one is recorded.
        #expect(try db.execute("SELECT ingestd_refresh_rollups(NULL, 1000)").value(0, 0) == "3")
        #expect(try db.execute("SELECT count(*) FROM rollup_pending").value(0, 0) == "0")
        #expect(try db.execute("SELECT count(*) FROM sensor_rollup_1m WHERE device = 'good'").value(0, 0) == "2")
        #expect(try db.execute("SELECT count(*) FROM sensor_rollup_1h WHERE device = 'good'").value(0, 0) == "2")
        let failures = try db.execute("SELECT family, bucket = date_trunc('minute', now()) - interval '2 hours', error FROM rollup_failures").rows
        #expect(failures.count == 1 && failures.first?[0] == "sensor" && failures.first?[1] == "t"
                && (failures.first?[2] ?? "").contains("out of range"), "\(failures)")

        // Through ingestd's refresher: another bad minute, then a reading through MQTT.
        try db.execute("""
            INSERT INTO sensor_readings (ts, device, metric, value, site, received_at) VALUES
                (date_trunc('minute', now()) - interval '80 minutes', 'bad', 'temp', 0, 's1', now()),
                (date_trunc('minute', now()) - interval '80 minutes' + interval '1 second', 'bad', 'temp', -2e154, 's1', now())
            """)
        let daemon = try TestStack.startIngestd(config: s.config)
        #expect(TestStack.waitForCount(s.url, "SELECT count(*) FROM rollup_failures", atLeast: 2) == 2, "\(daemon.output.suffix(3000))")
        #expect(daemon.waitForOutput("set aside"), "\(daemon.output.suffix(3000))")
        _ = daemon.waitForOutput("HTTP endpoint listening on")
        let endpoint = try #require(daemon.httpEndpoint, "\(daemon.output.suffix(2000))")
        let metrics = try #require(httpGet(endpoint + "/metrics"))
        // Both minutes: the first was set aside by hand before ingestd started, and is counted at its first look.
        #expect(prometheusSamples(metrics.body)["ingestd_rollup_minutes_set_aside_total"] == 2, "\(metrics.body.suffix(2000))")
        let publisher = try MQTTListener(filter: "\(s.root)/unused")
        let ts = Int64(Date().timeIntervalSince1970 * 1000) - 120_000
        try publisher.publish(topic: "\(s.root)/s1/l1/sensor/dev7/temp", payload: #"{"ts":\#(ts),"value":21.5}"#)
        #expect(TestStack.waitForCount(s.url, "SELECT count(*) FROM sensor_rollup_1m WHERE device = 'dev7' AND last = 21.5",
                                       atLeast: 1) == 1, "\(daemon.output.suffix(3000))")
        #expect(TestStack.waitForCount(s.url, "SELECT 1 - count(*) FROM rollup_pending", atLeast: 1) == 1)
        #expect(!daemon.output.contains("rollup refresh failed"), "\(daemon.output.suffix(3000))")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }
}
}
