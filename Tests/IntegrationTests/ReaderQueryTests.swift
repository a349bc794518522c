import Foundation
import IngestCore
import IngestRuntime
import Testing

/// What `ingestd query` asks the database, without a database (not part of StackTests).
@Suite struct ReaderQueryTests {
    static let now = Timestamp(rfc3339: "2026-11-23T12:00:00Z")!

    @Test("--since and --until: RFC 3339, a date, now, or a duration ago", arguments: [
        ("2026-11-20T08:00:00Z", "2026-11-20T08:00:00.000000Z"),
        ("2026-11-20T08:00:00+01:00", "2026-11-20T07:00:00.000000Z"),
        ("2026-11-20", "2026-11-20T00:00:00.000000Z"),
        ("now", "2026-11-23T12:00:00.000000Z"),
        ("90s", "2026-11-23T11:58:30.000000Z"),
        ("30m", "2026-11-23T11:30:00.000000Z"),
        ("24h", "2026-11-22T12:00:00.000000Z"),
        ("7d", "2026-11-16T12:00:00.000000Z"),
        ("2w", "2026-11-09T12:00:00.000000Z"),
    ])
    func timesParse(text: String, expected: String) throws {
        let time = try ReaderQuery.time(text, option: "--since", now: Self.now)
        #expect("\(time)" == expected)
    }

    @Test("a time that is none of those is an error naming the option", arguments: ["yesterday", "24", "h", "-3h", "1.5h", "2026-13-01", ""])
    func badTimesAreErrors(text: String) {
        #expect(throws: ReaderQueryError.badTime(option: "--until", text: text)) {
            try ReaderQuery.time(text, option: "--until", now: Self.now)
        }
    }

    @Test("an unknown name is an error listing every known one")
    func unknownNameListsTheKnownOnes() {
        let error = #expect(throws: ReaderQueryError.self) { try ReaderQuery.Name(parsing: "machines") }
        #expect(error?.description == "unknown query 'machines'; the known ones are: equipment-current, equipment-history, machine-summary, top-lines, battery-latest, battery-health, dead-letters, rollup-1m, rollup-1h, battery-rollup-1m, battery-rollup-1h, alerts-open, alerts")
        #expect(ReaderQuery.Name.allCases.allSatisfy { (try? ReaderQuery.Name(parsing: $0.rawValue)) == $0 })
    }

    @Test("the range and the site become parameters, in the order the SQL numbers them")
    func parametersFollowTheSQL() throws {
        let since = Timestamp(rfc3339: "2026-11-22T00:00:00Z")!
        let q = try ReaderQuery(.machineSummary, site: "s1", since: since, until: Self.now, limit: 50)
        #expect(q.sql == "SELECT site, line, machine, events, total_duration_ms, avg_duration_ms, defects, defect_rate, unknown_defect_events FROM machine_summary($1::timestamptz, $2::timestamptz) WHERE site = $3::text ORDER BY site, line, machine LIMIT $4::bigint")
        #expect(q.parameters == ["2026-11-22T00:00:00.000000Z", "2026-11-23T12:00:00.000000Z", "s1", "50"])
        #expect(q.columns.map(\.name) == ["site", "line", "machine", "events", "total_duration_ms", "avg_duration_ms",
                                          "defects", "defect_rate", "unknown_defect_events"])

        // top-lines: the site and N go into the function, so the site filter comes before its LIMIT.
        let top = try ReaderQuery(.topLines, site: "s1", since: since, until: Self.now, limit: 5)
        #expect(top.sql.contains("FROM top_lines_by_defects($1::timestamptz, $2::timestamptz, $3::int, $4::text) ORDER BY"))
        #expect(top.parameters == ["2026-11-22T00:00:00.000000Z", "2026-11-23T12:00:00.000000Z", "5", "s1", "5"])
        #expect(try ReaderQuery(.topLines, since: since, until: Self.now).parameters[3] == nil)

        let letters = try ReaderQuery(.deadLetters, since: since, until: Self.now)
        #expect(letters.sql.contains("FROM dead_letters WHERE received_at >= $1::timestamptz AND received_at < $2::timestamptz ORDER BY received_at DESC"))
        #expect(letters.parameters.count == 3)

        // No range for the current state: only the site and the limit.
        let current = try ReaderQuery(.equipmentCurrent, site: "s2", since: Self.now, until: Self.now)
        #expect(current.sql.hasSuffix("FROM equipment_state_now WHERE site = $1::text ORDER BY site, line, equipment LIMIT $2::bigint"))
    }

    @Test("every query selects its columns by name, with the kind its values print as")
    func everyQueryNamesItsColumns() throws {
        for name in ReaderQuery.Name.allCases {
            let q = try ReaderQuery(name, since: Timestamp(rfc3339: "2026-11-22T00:00:00Z")!, until: Self.now)
            #expect(!q.columns.isEmpty)
            #expect(q.parameters.count == q.sql.components(separatedBy: "$").count - 1, "\(name)")
        }
        let latest = try ReaderQuery(.batteryLatest, since: Self.now, until: Self.now)
        #expect(latest.columns.first { $0.name == "extra" }?.kind == .json)
        #expect(latest.columns.first { $0.name == "ts" }?.kind == .timestamp)
    }

    @Test("a rollup query reads its view in the range, newest bucket first")
    func rollupQueriesReadTheirViewInTheRange() throws {
        let since = Timestamp(rfc3339: "2026-11-22T00:00:00Z")!
        let q = try ReaderQuery(.rollup1m, site: "s1", since: since, until: Self.now, limit: 10)
        #expect(q.sql == "SELECT bucket, site, device, metric, samples, min, max, avg, last, last_ts FROM sensor_rollup_1m WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz AND site = $3::text ORDER BY bucket DESC, site, device, metric LIMIT $4::bigint")
        #expect(q.parameters == ["2026-11-22T00:00:00.000000Z", "2026-11-23T12:00:00.000000Z", "s1", "10"])
        #expect(q.columns.first?.kind == .timestamp && q.columns.last?.kind == .timestamp)
        #expect(q.columns.filter { $0.kind == .number }.map(\.name) == ["samples", "min", "max", "avg", "last"])

        #expect(try ReaderQuery(.rollup1h, since: since, until: Self.now).sql.contains("FROM sensor_rollup_1h WHERE bucket >= $1::timestamptz"))
        let battery = try ReaderQuery(.batteryRollup1h, since: since, until: Self.now)
        #expect(battery.sql.contains("FROM battery_rollup_1h WHERE"))
        #expect(battery.sql.contains("ORDER BY bucket DESC, site, battery LIMIT"))
        #expect(battery.columns.count == 1 + 2 + 1 + 5 * 4 + 1)
        #expect(battery.columns.map(\.name).contains("soh_last"))
        #expect(try ReaderQuery(.batteryRollup1m, since: since, until: Self.now).sql.contains("FROM battery_rollup_1m WHERE"))
    }

    @Test("alerts: those open now without a range; past ones when open at any time in the range")
    func alertQueries() throws {
        let since = Timestamp(rfc3339: "2026-11-22T00:00:00Z")!
        // No range for the alerts open now: any --since and --until will do.
        let open = try ReaderQuery(.alertsOpen, site: "s1", since: Self.now, until: since)
        #expect(open.sql.hasSuffix("FROM alerts_open WHERE site = $1::text ORDER BY raised_at DESC, rule, device, metric LIMIT $2::bigint"))
        #expect(open.columns.first { $0.name == "open_for" }?.kind == .interval)

        let past = try ReaderQuery(.alerts, since: since, until: Self.now)
        #expect(past.sql.contains("FROM alerts WHERE raised_at < $1::timestamptz AND (cleared_at IS NULL OR cleared_at >= $2::timestamptz) ORDER BY raised_at DESC"))
        #expect(past.parameters == ["2026-11-23T12:00:00.000000Z", "2026-11-22T00:00:00.000000Z", "100"])
        #expect(throws: ReaderQueryError.emptyRange(since: Self.now, until: since)) { try ReaderQuery(.alerts, since: Self.now, until: since) }
    }

    @Test("a bad limit, an empty range, or --site where there is no site are errors")
    func badOptionsAreErrors() {
        let since = Timestamp(rfc3339: "2026-11-22T00:00:00Z")!
        #expect(throws: ReaderQueryError.badLimit(0)) { try ReaderQuery(.machineSummary, since: since, until: Self.now, limit: 0) }
        #expect(throws: ReaderQueryError.emptyRange(since: Self.now, until: since)) {
            try ReaderQuery(.machineSummary, since: Self.now, until: since)
        }
        #expect(throws: ReaderQueryError.noSite(.deadLetters)) { try ReaderQuery(.deadLetters, site: "s1", since: since, until: Self.now) }
        // The current state has no range: any --since and --until will do.
        #expect(throws: Never.self) { try ReaderQuery(.batteryLatest, since: Self.now, until: since) }
    }
}
