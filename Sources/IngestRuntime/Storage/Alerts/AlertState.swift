import IngestCore
import PostgresClient

/// What the alert engine knew before a restart, rebuilt from the database: the open alerts,
/// when each device watched by a stale rule was last seen, and every equipment's current
/// state, each keyed on its site (and an equipment's line) as the engine keys them. With it a restart neither raises an open alert again nor forgets one.
struct AlertState: Sendable {
    var open: [Alert] = []
    var lastSeen: [(key: SeriesKey, time: Timestamp)] = []
    var currentStates: [Observation] = []

    /// How far back a device's last reading is looked for: a device silent for longer had its
    /// `offline` alert raised before the restart (it is among the open ones), unless ingestd
    /// was down all that time.
    static func lookback(for rules: [AlertRule]) -> Duration {
        let longest = rules.compactMap { rule -> Duration? in
            if case .stale(let after) = rule.condition { return after }
            return nil
        }.max() ?? .zero
        return max(.seconds(3_600), longest * 2)
    }

    /// `maxSeries` bounds the devices last seen that are read back (the newest first): the
    /// analytics follow no more series than `analytics.max_series` anyway, and a history of
    /// invented sites must not fill memory at start.
    static func load(from connection: PostgresConnection, rules: [AlertRule], maxSeries: Int = SeriesBounds().maxSeries) throws -> AlertState {
        var state = AlertState()
        guard !rules.isEmpty else { return state }
        let open = try connection.execute("""
            SELECT rule, kind, severity, family, site, device, metric, value, threshold,
                   (extract(epoch FROM raised_at) * 1000000)::int8, coalesce(detail, ''), line
            FROM alerts WHERE cleared_at IS NULL ORDER BY raised_at, rule, site, line, device, metric
            """)
        for row in open.rows {
            guard let rule = row[0], let kind = row[1], let severity = row[2].flatMap(AlertRule.Severity.init(rawValue:)),
                  let family = row[3].flatMap(Family.init(rawValue:)), let device = row[5], let micros = row[9].flatMap({ Int64($0) })
            else { continue }
            var alert = Alert(rule: rule, kind: kind, severity: severity, family: family, site: row[4], line: row[11], device: device,
                              metric: row[6] ?? "", value: row[7].flatMap(Double.init), threshold: row[8].flatMap(Double.init),
                              raisedAt: Timestamp(microseconds: micros), detail: row[10] ?? "")
            alert.eachMetric = rules.first { $0.name == rule }?.watchesEveryMetric ?? false
            state.open.append(alert)
        }
        let staleFamilies = Set(rules.compactMap { rule -> Family? in
            if case .stale = rule.condition { return rule.family }
            return nil
        })
        let seconds = String(lookback(for: rules).components.seconds)
        for family in staleFamilies.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let (table, device, time) = Self.lastSeenSource(family) else { continue }
            // An equipment is (site, line, equipment), as its observations key it; the other
            // families' series have no line.
            let line = family == .equipmentState ? "line" : "NULL::text"
            let rows = try connection.execute("""
                SELECT site, \(device), (extract(epoch FROM max(\(time))) * 1000000)::int8, \(line) FROM \(table)
                WHERE \(time) > now() - make_interval(secs => $1::float8) GROUP BY site, \(line), \(device)
                ORDER BY 3 DESC LIMIT $2
                """, [.text(seconds), .text(String(max(0, maxSeries)))]).rows
            for row in rows {
                guard let id = row[1], let micros = row[2].flatMap({ Int64($0) }) else { continue }
                state.lastSeen.append((SeriesKey(family: family, site: row[0], line: row[3], device: id, metric: ""),
                                       Timestamp(microseconds: micros)))
            }
        }
        if rules.contains(where: { $0.family == .equipmentState }) {
            let rows = try connection.execute("""
                SELECT site, equipment, state, source, coalesce(seq, -1), (extract(epoch FROM changed_at) * 1000000)::int8,
                       (extract(epoch FROM received_at) * 1000000)::int8, line
                FROM equipment_state_current ORDER BY changed_at DESC, site, line, equipment LIMIT $1
                """, [.text(String(max(0, maxSeries)))]).rows
            for row in rows {
                guard let equipment = row[1], let s = row[2], let source = row[3], let seq = row[4].flatMap({ Int64($0) }),
                      let changed = row[5].flatMap({ Int64($0) }), let received = row[6].flatMap({ Int64($0) }) else { continue }
                state.currentStates.append(Observation(
                    key: SeriesKey(family: .equipmentState, site: row[0], line: row[7], device: equipment, metric: ""),
                    time: Timestamp(microseconds: changed), receivedAt: Timestamp(microseconds: received), route: -1,
                    state: s, source: source, seq: seq))
            }
        }
        return state
    }

    /// Where a family's devices are last seen: table, device column, time column.
    private static func lastSeenSource(_ family: Family) -> (String, String, String)? {
        switch family {
        case .sensor: ("sensor_readings", "device", "ts")
        case .battery: ("battery_readings", "battery", "ts")
        case .equipmentState: ("equipment_state_history", "equipment", "changed_at")
        case .machineEvent: nil
        }
    }
}
