import Foundation
import PostgresClient

/// What the database must hold after a simulator run, table by table, from its manifest:
/// every family's rows, the equipment board, and the dead letters, in all, per family and
/// distinct (a dead letter stored twice would show there).
struct ManifestTables {
    struct Check {
        var what: String
        var sql: String
        var expected: String
    }

    let checks: [Check]

    init(_ m: SimulatorManifest) {
        let f = m.families ?? [:]
        let sensor = f["sensor"], battery = f["battery"], board = f["equipment_state"], events = f["machine_event"]
        var checks = [
            Check(what: "sensor readings", sql: "SELECT count(*) FROM sensor_readings", expected: "\(sensor?.rows ?? m.expectedUniqueReadings)"),
            Check(what: "battery readings", sql: "SELECT count(*) FROM battery_readings", expected: "\(battery?.rows ?? 0)"),
            Check(what: "equipment state history", sql: "SELECT count(*) FROM equipment_state_history", expected: "\(board?.historyRows ?? 0)"),
            Check(what: "machine events", sql: "SELECT count(*) FROM machine_events", expected: "\(events?.rows ?? 0)"),
            Check(what: "machine defects", sql: "SELECT coalesce(sum(defect_count) FILTER (WHERE defect_count >= 0), 0) FROM machine_events",
                  expected: "\(events?.defectSum ?? 0)"),
            Check(what: "machine events with unknown defects", sql: "SELECT count(*) FILTER (WHERE defect_count = -1) FROM machine_events",
                  expected: "\(events?.unknownDefects ?? 0)"),
            Check(what: "dead letters", sql: "SELECT count(*) FROM dead_letters", expected: "\(m.expectedDeadLetters)"),
            Check(what: "distinct dead letters (topic, payload)", sql: "SELECT count(DISTINCT (topic, payload)) FROM dead_letters",
                  expected: "\(m.expectedDeadLetters)"),
        ]
        for family in ["sensor", "battery", "equipment_state", "machine_event"] {
            checks.append(Check(what: "dead letters of \(family)", sql: "SELECT count(*) FROM dead_letters WHERE family = '\(family)'",
                                expected: "\(f[family]?.deadLetters ?? 0)"))
        }
        // The board: every equipment's newest change, as equipment=state/source@changed_at_ms.
        let current = (board?.current ?? [:]).sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.state)/\($0.value.source)@\($0.value.changedAtMs)" }.joined(separator: ",")
        checks.append(Check(what: "equipment board", sql: """
            SELECT coalesce(string_agg(equipment || '=' || state || '/' || source || '@' || (extract(epoch FROM changed_at) * 1000)::bigint,
                                       ',' ORDER BY equipment), '') FROM equipment_state_current
            """, expected: current))
        self.checks = checks
    }

    /// Polls until every check holds or `timeout` seconds pass, then looks once more after a
    /// moment (an overshoot would show); returns what differs, as "what: got X, expected Y".
    func mismatches(databaseURL: String, timeout: Double = 180) -> [String] {
        func failing() -> [String] {
            guard let db = try? PostgresConnection(databaseURL) else { return ["the database is unreachable"] }
            return checks.compactMap { c in
                let got = (try? db.execute(c.sql).value(0, 0)) ?? "(error)"
                return got == c.expected ? nil : "\(c.what): got \(got), expected \(c.expected)"
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        var now = failing()
        while !now.isEmpty && Date() < deadline {
            usleep(500_000)
            now = failing()
        }
        usleep(1_000_000)
        return failing()
    }
}
