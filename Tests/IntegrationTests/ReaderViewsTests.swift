import Foundation
import IngestCore
import PostgresClient
import Testing

/// The reader views and functions of migration 7 on a real PostgreSQL, on both layouts: known
/// rows in, exact figures out, through SQL, through `ingestd query`, and as the reader role.
extension StackTests {
@Suite struct ReaderViewsTests {
    /// A database at schema version 7 holding the rows below, and a config that points at it.
    struct Seeded {
        var url: String
        var config: String
        /// Midnight UTC two days ago: the first of the two days the rows span.
        var day: Timestamp

        /// `day` plus hours, as RFC 3339.
        func at(hours: Int64) -> String { "\(day + hours * 3_600)" }
    }

    static let dayMicros: Int64 = 86_400_000_000

    /// Creates, migrates and fills a fresh database. Machine events on day 0 (and two just
    /// outside it), equipment state, batteries over day 0 and day 1, two dead letters.
    static func seed(engine: String) throws -> Seeded {
        let url = try TestStack.freshDatabase("views")
        let config = try TestStack.writeConfig(topicRoot: TestStack.uniqueTopicRoot("views"), databaseURL: url, engine: engine)
        let migrate = try TestStack.migrate(config: config)
        #expect(migrate.output.contains("schema at version"), "\(migrate.output)")
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let day = Timestamp(microseconds: now - now % dayMicros - 2 * dayMicros)
        let db = try PostgresConnection(url)
        if try db.execute("SELECT layout FROM ingestd_migrations WHERE version = 1").value(0, 0) == "partitions" {
            // As `ingestd run` does: the rows then land in daily partitions, not the default one.
            try db.execute("SELECT ingestd_ensure_partitions(3, 1)")
        }
        let d = "'\(day)'::timestamptz"
        try db.execute("""
            INSERT INTO machine_events (event_id, machine, site, line, event_time, duration_ms, defect_count, received_time, received_at)
            SELECT id, machine, site, line, \(d) + hours * interval '1 hour', duration, defects, now(), now()
            FROM (VALUES
                ('e1', 'm1', 's1', 'l1', 1, 1000, 2), ('e2', 'm1', 's1', 'l1', 2, 3000, 0), ('e3', 'm1', 's1', 'l1', 3, 2000, -1),
                ('e4', 'm2', 's1', 'l1', 1, 500, 1), ('e5', 'm2', 's1', 'l1', 2, 1500, 0), ('e6', 'm2', 's1', 'l1', 3, 1000, 0),
                ('e7', 'm2', 's1', 'l1', 4, 1000, 1),
                ('e8', 'm3', 's1', 'l2', 1, 100, -1), ('e9', 'm3', 's1', 'l2', 2, 300, -1),
                ('e10', 'm4', 's2', 'l1', 1, 1000, 5), ('e11', 'm4', 's2', 'l1', 2, 1000, 1),
                -- outside [day, day + 1 d): the end of a range is excluded
                ('e12', 'm1', 's1', 'l1', 24, 9000, 100), ('e13', 'm4', 's2', 'l1', -1, 9000, 100)
            ) AS v (id, machine, site, line, hours, duration, defects);

            INSERT INTO equipment_state_current (equipment, state, changed_at, source, seq, worker, site, line, received_at)
            SELECT equipment, state, \(d) + hours * interval '1 hour', source, seq, worker, site, line, now()
            FROM (VALUES
                ('saw1', 'green', 7, 'plc', 1, NULL, 's2', 'l1'),
                ('oven1', 'yellow', 8, 'plc', 2, 'w2', 's1', 'l2'),
                ('press2', 'green', 9, 'mes', 3, NULL, 's1', 'l1'),
                ('press1', 'red', 10, 'plc', 4, 'w1', 's1', 'l1')
            ) AS v (equipment, state, hours, source, seq, worker, site, line);

            INSERT INTO equipment_state_history (changed_at, equipment, source, state, worker, seq, site, line, received_at)
            SELECT \(d) + hours * interval '1 hour', equipment, source, state, NULL, seq, site, line, now()
            FROM (VALUES
                (1, 'press1', 'plc', 'green', 1, 's1', 'l1'), (2, 'press1', 'plc', 'red', 2, 's1', 'l1'),
                (3, 'press2', 'mes', 'green', 3, 's1', 'l1'), (25, 'oven1', 'plc', 'yellow', 4, 's1', 'l2')
            ) AS v (hours, equipment, source, state, seq, site, line);

            INSERT INTO battery_readings (ts, battery, site, voltage, current, temperature, soc, soh, cycles, seq, extra, received_at)
            SELECT \(d) + hours * interval '1 hour', battery, site, 50, -1.5, temperature, 80, soh, cycles, cycles, extra::jsonb, now()
            FROM (VALUES
                ('bat1', 's1', 1, 20.0, 99.0, 10, NULL), ('bat1', 's1', 13, 30.0, 98.0, 11, NULL),
                ('bat1', 's1', 26, 25.0, 97.0, 12, '{"cell_delta_mv": 14}'),
                ('bat2', 's2', 5, 40.0, 90.0, 100, NULL),
                ('bat3', 's1', 25, 10.0, 80.0, 7, NULL), ('bat3', 's1', 27, 20.0, 82.0, 8, NULL)
            ) AS v (battery, site, hours, temperature, soh, cycles, extra);

            INSERT INTO dead_letters (received_at, topic, family, reason_code, reason, payload, payload_size)
            VALUES (now() - interval '1 hour', 'plant/s1/l1/battery/bat9/telemetry', 'battery', 'out_of_range', 'field ''soc'' is 150', '\\x7b7d', 2),
                   (now() - interval '2 days', 'plant/s1/l1/sensor/d1/temp', 'sensor', 'malformed_json', 'old', '\\x7b', 1);
            """)
        return Seeded(url: url, config: config, day: day)
    }

    /// A connection whose dates and times are in UTC, like `ingestd query` under PGTZ=UTC.
    static func utcConnection(_ url: String) throws -> PostgresConnection {
        let db = try PostgresConnection(url)
        try db.execute("SET TimeZone = 'UTC'")
        return db
    }

    /// Runs `ingestd query` (times in UTC) and returns its exit code and output.
    static func query(_ arguments: [String], config: String, databaseURL: String? = nil) throws -> (code: Int32?, output: String) {
        var environment = ["PGTZ": "UTC"]
        if let databaseURL { environment["INGESTD_DATABASE_URL"] = databaseURL }
        let run = try ChildProcess(TestStack.binary("ingestd"), ["query"] + arguments + ["--config", config],
                                   label: "query", environment: environment)
        let code = run.waitForExit(timeout: 60)
        return (code, run.output)
    }

    /// `ingestd query … --format json` as objects.
    static func queryJSON(_ arguments: [String], config: String, databaseURL: String? = nil) throws -> [[String: Any]] {
        let (code, output) = try query(arguments + ["--format", "json"], config: config, databaseURL: databaseURL)
        #expect(code == 0, "ingestd query \(arguments) failed:\n\(output)")
        let parsed = try JSONSerialization.jsonObject(with: Data(output.utf8))
        return try #require(parsed as? [[String: Any]], "not an array of objects:\n\(output)")
    }

    @Test("the views and functions return exactly the figures of the rows put in", arguments: ["auto", "partitions"])
    func viewsReturnTheExpectedFigures(engine: String) throws {
        let s = try Self.seed(engine: engine)
        let db = try Self.utcConnection(s.url)
        let range = "'\(s.day)', '\(s.day + 86_400)'"

        // Per machine, with defect_count -1 counted apart and out of the rate.
        let summary = try db.execute("""
            SELECT site, line, machine, events, total_duration_ms, avg_duration_ms, defects, defect_rate, unknown_defect_events
            FROM machine_summary(\(range)) ORDER BY machine
            """).rows
        #expect(summary == [
            ["s1", "l1", "m1", "3", "6000", "2000", "2", "1", "1"],
            ["s1", "l1", "m2", "4", "4000", "1000", "2", "0.5", "0"],
            ["s1", "l2", "m3", "2", "400", "200", "0", nil, "2"],
            ["s2", "l1", "m4", "2", "2000", "1000", "6", "3", "0"],
        ])

        // Most defects first; s1/l1 has 4 defects over 6 events with a known count.
        let top = try db.execute("SELECT site, line, defects, events, defect_rate, unknown_defect_events FROM top_lines_by_defects(\(range), 10)").rows
        #expect(top == [
            ["s2", "l1", "6", "2", "3", "0"],
            ["s1", "l1", "4", "7", "0.6666666666666666", "1"],
            ["s1", "l2", "0", "2", nil, "2"],
        ])
        #expect(try db.execute("SELECT site, line FROM top_lines_by_defects(\(range), 2)").rows == [["s2", "l1"], ["s1", "l1"]])
        #expect(try db.execute("SELECT site, line FROM top_lines_by_defects(\(range), 1, 's1')").rows == [["s1", "l1"]])

        // The current state, by site, line and equipment; since is changed_at, age its distance to now.
        let now = try db.execute("SELECT site, line, equipment, state, worker, source, since = changed_at, age = now() - changed_at FROM equipment_state_now").rows
        #expect(now == [
            ["s1", "l1", "press1", "red", "w1", "plc", "t", "t"],
            ["s1", "l1", "press2", "green", nil, "mes", "t", "t"],
            ["s1", "l2", "oven1", "yellow", "w2", "plc", "t", "t"],
            ["s2", "l1", "saw1", "green", nil, "plc", "t", "t"],
        ])

        // [01:00, 03:00): the change at 03:00 is the range's end, excluded.
        let history = try db.execute("""
            SELECT equipment, state, changed_at = '\(s.at(hours: 2))'::timestamptz
            FROM equipment_state_history_between('\(s.at(hours: 1))', '\(s.at(hours: 3))') ORDER BY changed_at
            """).rows
        #expect(history == [["press1", "green", "f"], ["press1", "red", "t"]])

        // The newest row of each battery, bat2's in an older chunk than the others'.
        let latest = try db.execute("SELECT battery, site, ts, soh, cycles, extra FROM battery_latest").rows
        #expect(latest == [
            ["bat1", "s1", Self.postgresText(s.day + 26 * 3_600), "97", "12", #"{"cell_delta_mv": 14}"#],
            ["bat2", "s2", Self.postgresText(s.day + 5 * 3_600), "90", "100", nil],
            ["bat3", "s1", Self.postgresText(s.day + 27 * 3_600), "82", "8", nil],
        ])
        // The view's columns are the table's, in its order.
        let columns = try db.execute("""
            SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'battery_latest'::regclass AND attnum > 0
            """).value(0, 0)
        #expect(columns == "ts,battery,site,voltage,current,temperature,soc,soh,cycles,seq,extra,received_at")

        let day0 = Self.date(s.day), day1 = Self.date(s.day + 86_400)
        let health = try db.execute("""
            SELECT battery, day::text, avg_soh, min_soh, max_soh, avg_temperature, max_cycles, readings
            FROM battery_health_daily ORDER BY battery, day
            """).rows
        #expect(health == [
            ["bat1", day0, "98.5", "98", "99", "25", "11", "2"],
            ["bat1", day1, "97", "97", "97", "25", "12", "1"],
            ["bat2", day0, "90", "90", "90", "40", "100", "1"],
            ["bat3", day1, "81", "80", "82", "15", "8", "2"],
        ])
        let healthDay1 = try db.execute("""
            SELECT battery FROM battery_health_daily_between('\(s.day + 86_400)', '\(s.day + 2 * 86_400)') ORDER BY battery
            """).rows
        #expect(healthDay1 == [["bat1"], ["bat3"]])
    }

    @Test("ingestd query prints the views as JSON, CSV and a table, with numbers as numbers and null as null")
    func queryPrintsTheViews() throws {
        let s = try Self.seed(engine: "auto")
        let range = ["--since", "\(s.day)", "--until", "\(s.day + 86_400)"]

        let summary = try Self.queryJSON(["machine-summary"] + range, config: s.config)
        #expect(summary.count == 4)
        #expect(summary.first?["machine"] as? String == "m1")
        #expect(summary.first?["events"] as? Int == 3)
        #expect(summary.first?["avg_duration_ms"] as? Double == 2000)
        #expect(summary.map { $0["defect_rate"] as? Double } == [1, 0.5, nil, 3])
        #expect(summary[2]["defect_rate"] is NSNull)
        #expect(summary.map { $0["unknown_defect_events"] as? Int } == [1, 0, 2, 0])

        let top = try Self.queryJSON(["top-lines", "--limit", "2"] + range, config: s.config)
        #expect(top.map { "\($0["site"] as? String ?? "?")/\($0["line"] as? String ?? "?")" } == ["s2/l1", "s1/l1"])
        #expect(top.map { $0["defects"] as? Int } == [6, 4])
        let topOfS1 = try Self.queryJSON(["top-lines", "--limit", "1", "--site", "s1"] + range, config: s.config)
        #expect(topOfS1.map { $0["line"] as? String } == ["l1"])

        let latest = try Self.queryJSON(["battery-latest"], config: s.config)
        #expect(latest.map { $0["battery"] as? String } == ["bat1", "bat3", "bat2"], "ordered by site, then battery")
        #expect((latest.first?["ts"] as? String).flatMap(Timestamp.init(rfc3339:)) == s.day + 26 * 3_600)
        #expect((latest.first?["extra"] as? [String: Any])?["cell_delta_mv"] as? Int == 14)
        #expect(try Self.queryJSON(["battery-latest", "--site", "s2"], config: s.config).map { $0["battery"] as? String } == ["bat2"])

        let health = try Self.queryJSON(["battery-health", "--since", "\(s.day)", "--until", "\(s.day + 2 * 86_400)"], config: s.config)
        #expect(health.map { $0["battery"] as? String } == ["bat1", "bat3", "bat1", "bat2"], "newest day first")
        #expect(health.first?["day"] as? String == Self.date(s.day + 86_400))
        #expect(health.last?["avg_soh"] as? Double == 90)

        let history = try Self.queryJSON(["equipment-history", "--since", s.at(hours: 0), "--until", s.at(hours: 48)], config: s.config)
        #expect(history.map { $0["equipment"] as? String } == ["oven1", "press2", "press1", "press1"], "newest first")

        let current = try Self.query(["equipment-current", "--site", "s1", "--format", "csv"], config: s.config)
        #expect(current.code == 0, "\(current.output)")
        let lines = current.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "site,line,equipment,state,changed_at,worker,source,since,age")
        #expect(lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(4).joined(separator: ",") }
                == ["s1,l1,press1,red", "s1,l1,press2,green", "s1,l2,oven1,yellow"])
        #expect(lines.dropFirst().allSatisfy { $0.contains("Z,") }, "times in RFC 3339: \(current.output)")

        let letters = try Self.queryJSON(["dead-letters"], config: s.config)
        #expect(letters.map { $0["reason_code"] as? String } == ["out_of_range"], "the last 24 h only")
        #expect(letters.first?["reason"] as? String == "field 'soc' is 150")

        let table = try Self.query(["top-lines"] + range, config: s.config)
        #expect(table.code == 0)
        #expect(table.output.hasPrefix("site  line  defects  events"), "\(table.output)")
        #expect(table.output.hasSuffix("(3 rows)\n"), "\(table.output)")

        let unknown = try Self.query(["machines"], config: s.config)
        #expect(unknown.code == 64)
        #expect(unknown.output.contains("unknown query 'machines'; the known ones are: equipment-current, equipment-history, machine-summary, top-lines, battery-latest, battery-health, dead-letters"),
                "\(unknown.output)")
    }

    @Test("a role granted ingestd_reader reads every view, function and ingestd query, and cannot insert",
          arguments: ["auto", "partitions"])
    func readerRoleReadsButCannotWrite(engine: String) throws {
        let s = try Self.seed(engine: engine)
        let role = "reader_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(s.url)
        try admin.execute("CREATE ROLE \(role) LOGIN IN ROLE ingestd_reader")
        defer {
            _ = try? admin.execute("DROP OWNED BY \(role); DROP ROLE \(role)")
        }
        let readerURL = try Self.url(s.url, user: role)
        do {
            let reader = try PostgresConnection(readerURL)
            let range = "'\(s.day)', '\(s.day + 86_400)'"
            for sql in ["SELECT count(*) FROM equipment_state_now", "SELECT count(*) FROM battery_latest",
                        "SELECT count(*) FROM battery_health_daily", "SELECT count(*) FROM equipment_state_history_between(\(range))",
                        "SELECT count(*) FROM machine_summary(\(range))", "SELECT count(*) FROM top_lines_by_defects(\(range), 5)",
                        "SELECT count(*) FROM battery_health_daily_between(\(range))", "SELECT count(*) FROM dead_letters"] {
                #expect(throws: Never.self, "\(sql)") { try reader.execute(sql) }
            }
            #expect(try reader.execute("SELECT count(*) FROM battery_latest").value(0, 0) == "3")
            for insert in ["INSERT INTO machine_events VALUES ('x', 'm', 's', 'l', now(), 1, 0, now(), now())",
                           "INSERT INTO battery_readings (ts, battery, received_at) VALUES (now(), 'b', now())",
                           "DELETE FROM dead_letters"] {
                let error = #expect(throws: PostgresError.self, "\(insert)") { try reader.execute(insert) }
                #expect(error?.sqlState == "42501", "\(insert): \(String(describing: error))")
            }
        }
        // The config names the admin URL; INGESTD_DATABASE_URL makes ingestd query connect as the reader.
        let summary = try Self.queryJSON(["machine-summary", "--since", "\(s.day)", "--until", "\(s.day + 86_400)"],
                                         config: s.config, databaseURL: readerURL)
        #expect(summary.map { $0["machine"] as? String } == ["m1", "m2", "m3", "m4"])
        #expect(try Self.queryJSON(["battery-latest"], config: s.config, databaseURL: readerURL).count == 3)
    }

    /// The URL with another user name: `postgresql://user@host:port/db`.
    static func url(_ url: String, user: String) throws -> String {
        let scheme = try #require(url.range(of: "://"))
        let rest = url[scheme.upperBound...]
        let hostStart = rest.firstIndex(of: "@").map { rest.index(after: $0) } ?? rest.startIndex
        return String(url[..<scheme.upperBound]) + user + "@" + String(rest[hostStart...])
    }

    /// How PostgreSQL prints a timestamptz in UTC: `2026-11-21 02:00:00+00`.
    static func postgresText(_ t: Timestamp) -> String {
        let text = "\(t)"  // 2026-11-21T02:00:00.000000Z
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8)) + "+00"
    }

    /// The UTC date of a time: `2026-11-21`.
    static func date(_ t: Timestamp) -> String { String("\(t)".prefix(10)) }
}
}
