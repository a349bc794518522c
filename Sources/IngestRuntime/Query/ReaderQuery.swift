import IngestCore

/// One column of a reader query's result: its name, and what its text holds, so that the
/// formatter knows how to print it (numbers stay numbers in JSON, times become RFC 3339).
public struct ResultColumn: Sendable, Equatable {
    /// What a column's values are, as PostgreSQL sends them in text.
    public enum Kind: Sendable, Equatable {
        case text
        /// An integer, float or numeric.
        case number
        /// A timestamptz in the ISO DateStyle, e.g. `2026-11-23 08:15:30.123+00`.
        case timestamp
        /// A date, `2026-11-23`.
        case date
        /// An interval, e.g. `1 day 02:03:04`.
        case interval
        /// JSON text (a jsonb column).
        case json
    }

    /// The column's name, as the SQL selects it and the formats print it.
    public let name: String
    /// What its values are.
    public let kind: Kind

    /// A column named `name` whose values are `kind`.
    public init(_ name: String, _ kind: Kind = .text) {
        self.name = name
        self.kind = kind
    }
}

/// A query `ingestd query` runs on the reader views (migration 7), the alerts (9) or the rollups (10): its SQL, the parameters
/// in the order of `$1, $2, …` (as text: the SQL casts them), and the columns it returns.
/// Pure: building one touches no database.
public struct ReaderQuery: Sendable, Equatable {
    /// The queries by the name given on the command line.
    public enum Name: String, CaseIterable, Sendable {
        case equipmentCurrent = "equipment-current"
        case equipmentHistory = "equipment-history"
        case machineSummary = "machine-summary"
        case topLines = "top-lines"
        case batteryLatest = "battery-latest"
        case batteryHealth = "battery-health"
        case deadLetters = "dead-letters"
        case rollup1m = "rollup-1m"
        case rollup1h = "rollup-1h"
        case batteryRollup1m = "battery-rollup-1m"
        case batteryRollup1h = "battery-rollup-1h"
        case alertsOpen = "alerts-open"
        case alerts = "alerts"

        /// A name from the command line; an unknown one is an error listing the known ones.
        public init(parsing text: String) throws(ReaderQueryError) {
            guard let name = Name(rawValue: text.lowercased()) else { throw .unknownName(text) }
            self = name
        }

        /// What the query shows, in a few words for the help text.
        public var summary: String {
            switch self {
            case .equipmentCurrent: "the state of all equipment now, by site and line"
            case .equipmentHistory: "state changes in the range, newest first"
            case .machineSummary: "per machine: events, durations, defects, defect rate"
            case .topLines: "the --limit lines with the most defects"
            case .batteryLatest: "the newest reading of every battery"
            case .batteryHealth: "per battery and day: state of health, temperature, cycles"
            case .deadLetters: "the newest dead letters (they have no site)"
            case .rollup1m: "per sensor and minute: samples, min, max, avg, last, newest first"
            case .rollup1h: "per sensor and hour: samples, min, max, avg, last, newest first"
            case .batteryRollup1m: "per battery and minute: min, max, avg, last of each measure"
            case .batteryRollup1h: "per battery and hour: min, max, avg, last of each measure"
            case .alertsOpen: "the alerts open now, newest first"
            case .alerts: "the alerts open at any time in the range, newest first"
            }
        }

        /// The rollup this query reads, if any.
        var rollup: (shape: RollupShape, width: RollupShape.Width)? {
            switch self {
            case .rollup1m: (.sensor, .minute)
            case .rollup1h: (.sensor, .hour)
            case .batteryRollup1m: (.battery, .minute)
            case .batteryRollup1h: (.battery, .hour)
            default: nil
            }
        }

        /// Whether the result has a site that --site can filter on.
        public var hasSite: Bool { self != .deadLetters }

        /// Whether --since and --until apply (the current state and the latest readings have no range).
        public var usesRange: Bool { self != .equipmentCurrent && self != .batteryLatest && self != .alertsOpen }

        /// The known names, for messages: `equipment-current, equipment-history, …`.
        public static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
    }

    /// The default of --limit.
    public static let defaultLimit = 100

    /// Which query this is.
    public let name: Name
    /// One SELECT with `$n` placeholders.
    public let sql: String
    /// The values of `$1, $2, …`, as text.
    public let parameters: [String?]
    /// The columns the SQL selects, in order.
    public let columns: [ResultColumn]

    /// The query `name` for one site (or all), the range [since, until) and at most `limit` rows.
    public init(_ name: Name, site: String? = nil, since: Timestamp, until: Timestamp,
                limit: Int = ReaderQuery.defaultLimit) throws(ReaderQueryError) {
        guard limit >= 1 else { throw .badLimit(limit) }
        if site != nil && !name.hasSite { throw .noSite(name) }
        if name.usesRange && since >= until { throw .emptyRange(since: since, until: until) }
        var binder = Binder()
        // Binds the range, for the functions that take it first.
        func range() -> String {
            "\(binder.bind("\(since)", "timestamptz")), \(binder.bind("\(until)", "timestamptz"))"
        }
        let select: [(column: ResultColumn, expression: String)]
        let from: String
        var conditions: [String] = []
        let order: String
        switch name {
        case .equipmentCurrent:
            select = [(.init("site"), "site"), (.init("line"), "line"), (.init("equipment"), "equipment"),
                      (.init("state"), "state"), (.init("changed_at", .timestamp), "changed_at"),
                      (.init("worker"), "worker"), (.init("source"), "source"), (.init("since", .timestamp), "since"),
                      (.init("age", .interval), "date_trunc('second', age)")]
            from = "equipment_state_now"
            order = "site, line, equipment"
        case .equipmentHistory:
            select = [(.init("changed_at", .timestamp), "changed_at"), (.init("site"), "site"), (.init("line"), "line"),
                      (.init("equipment"), "equipment"), (.init("state"), "state"), (.init("worker"), "worker"),
                      (.init("source"), "source"), (.init("seq", .number), "seq"),
                      (.init("received_at", .timestamp), "received_at")]
            from = "equipment_state_history_between(\(range()))"
            order = "changed_at DESC, equipment, source"
        case .machineSummary:
            select = [(.init("site"), "site"), (.init("line"), "line"), (.init("machine"), "machine"),
                      (.init("events", .number), "events"), (.init("total_duration_ms", .number), "total_duration_ms"),
                      (.init("avg_duration_ms", .number), "avg_duration_ms"), (.init("defects", .number), "defects"),
                      (.init("defect_rate", .number), "defect_rate"),
                      (.init("unknown_defect_events", .number), "unknown_defect_events")]
            from = "machine_summary(\(range()))"
            order = "site, line, machine"
        case .topLines:
            select = [(.init("site"), "site"), (.init("line"), "line"), (.init("defects", .number), "defects"),
                      (.init("events", .number), "events"), (.init("defect_rate", .number), "defect_rate"),
                      (.init("unknown_defect_events", .number), "unknown_defect_events")]
            // The site goes into the function: filtering after its LIMIT would drop lines.
            from = "top_lines_by_defects(\(range()), \(binder.bind(String(limit), "int")), \(binder.bind(site, "text")))"
            order = "defects DESC, defect_rate DESC NULLS LAST, site, line"
        case .batteryLatest:
            select = [(.init("battery"), "battery"), (.init("site"), "site"), (.init("ts", .timestamp), "ts"),
                      (.init("voltage", .number), "voltage"), (.init("current", .number), "current"),
                      (.init("temperature", .number), "temperature"), (.init("soc", .number), "soc"),
                      (.init("soh", .number), "soh"), (.init("cycles", .number), "cycles"),
                      (.init("seq", .number), "seq"), (.init("extra", .json), "extra"),
                      (.init("received_at", .timestamp), "received_at")]
            from = "battery_latest"
            order = "site, battery"
        case .batteryHealth:
            select = [(.init("day", .date), "day"), (.init("site"), "site"), (.init("battery"), "battery"),
                      (.init("avg_soh", .number), "avg_soh"), (.init("min_soh", .number), "min_soh"),
                      (.init("max_soh", .number), "max_soh"), (.init("avg_temperature", .number), "avg_temperature"),
                      (.init("max_cycles", .number), "max_cycles"), (.init("readings", .number), "readings")]
            from = "battery_health_daily_between(\(range()))"
            order = "day DESC, site, battery"
        case .deadLetters:
            select = [(.init("received_at", .timestamp), "received_at"), (.init("family"), "family"),
                      (.init("reason_code"), "reason_code"), (.init("reason"), "reason"), (.init("topic"), "topic")]
            from = "dead_letters"
            conditions.append("received_at >= \(binder.bind("\(since)", "timestamptz"))")
            conditions.append("received_at < \(binder.bind("\(until)", "timestamptz"))")
            order = "received_at DESC, id DESC"
        case .rollup1m, .rollup1h, .batteryRollup1m, .batteryRollup1h:
            let (shape, width) = name.rollup!
            // The view's columns as the shape names them: bucket, the keys, then the figures.
            select = shape.readerColumns.map { column in
                let kind: ResultColumn.Kind = ["bucket", "last_ts"].contains(column) ? .timestamp : shape.keys.contains(column) ? .text : .number
                return (.init(column, kind), column)
            }
            from = shape.view(width)
            conditions.append("bucket >= \(binder.bind("\(since)", "timestamptz"))")
            conditions.append("bucket < \(binder.bind("\(until)", "timestamptz"))")
            order = "bucket DESC, " + shape.keys.joined(separator: ", ")
        case .alertsOpen:
            select = [(.init("raised_at", .timestamp), "raised_at"), (.init("severity"), "severity"), (.init("rule"), "rule"),
                      (.init("kind"), "kind"), (.init("family"), "family"), (.init("site"), "site"), (.init("device"), "device"),
                      (.init("metric"), "metric"), (.init("value", .number), "value"), (.init("threshold", .number), "threshold"),
                      (.init("open_for", .interval), "date_trunc('second', open_for)")]
            from = "alerts_open"
            order = "raised_at DESC, rule, device, metric"
        case .alerts:
            select = [(.init("raised_at", .timestamp), "raised_at"), (.init("cleared_at", .timestamp), "cleared_at"),
                      (.init("severity"), "severity"), (.init("rule"), "rule"), (.init("kind"), "kind"), (.init("family"), "family"),
                      (.init("site"), "site"), (.init("device"), "device"), (.init("metric"), "metric"),
                      (.init("value", .number), "value"), (.init("threshold", .number), "threshold"),
                      (.init("clear_value", .number), "clear_value")]
            from = "alerts"
            // Open at some time in [since, until): raised before its end, not cleared before its start.
            conditions.append("raised_at < \(binder.bind("\(until)", "timestamptz"))")
            conditions.append("(cleared_at IS NULL OR cleared_at >= \(binder.bind("\(since)", "timestamptz")))")
            order = "raised_at DESC, rule, device, metric"
        }
        if let site, name != .topLines { conditions.append("site = \(binder.bind(site, "text"))") }
        var sql = "SELECT " + select.map { $0.expression == $0.column.name ? $0.column.name : "\($0.expression) AS \($0.column.name)" }
            .joined(separator: ", ")
        sql += " FROM \(from)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY \(order) LIMIT \(binder.bind(String(limit), "bigint"))"
        self.name = name
        self.sql = sql
        self.parameters = binder.values
        self.columns = select.map(\.column)
    }

    /// Numbers the parameters as the SQL names them.
    private struct Binder {
        var values: [String?] = []

        /// Adds a value and returns its placeholder with a cast, e.g. `$2::timestamptz`.
        mutating func bind(_ value: String?, _ type: String) -> String {
            values.append(value)
            return "$\(values.count)::\(type)"
        }
    }

    /// A time given to --since or --until: RFC 3339 (`2026-11-23T08:00:00Z`), a date
    /// (`2026-11-23`, midnight UTC), `now`, or a duration before `now`: a whole number and
    /// s, m, h, d or w (`90m`, `24h`, `7d`).
    public static func time(_ text: String, option: String, now: Timestamp) throws(ReaderQueryError) -> Timestamp {
        let t = text
        if t.lowercased() == "now" { return now }
        if let ts = Timestamp(rfc3339: t) { return ts }
        if t.utf8.count == 10, let ts = Timestamp(rfc3339: t + "T00:00:00Z") { return ts }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
        if let unit = t.last.flatMap({ units[$0] }), t.count > 1 {
            let digits = t.dropLast()
            // At most 9 digits: up to ~31 years in seconds, and no overflow in weeks.
            if digits.count <= 9, digits.allSatisfy(\.isASCIIDigit), let n = Int64(digits) {
                return now - n * unit
            }
        }
        throw .badTime(option: option, text: text)
    }
}

/// Why `ingestd query` cannot build its query.
public enum ReaderQueryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// NAME is none of `ReaderQuery.Name`.
    case unknownName(String)
    /// --since or --until is no time `ReaderQuery.time` reads.
    case badTime(option: String, text: String)
    /// --since is not before --until.
    case emptyRange(since: Timestamp, until: Timestamp)
    /// --limit is below 1.
    case badLimit(Int)
    /// --site for a query whose rows have no site.
    case noSite(ReaderQuery.Name)

    public var description: String {
        switch self {
        case .unknownName(let name):
            "unknown query '\(name)'; the known ones are: \(ReaderQuery.Name.list)"
        case let .badTime(option, text):
            "\(option) '\(text)': expected RFC 3339 (2026-11-23T08:00:00Z), a date (2026-11-23), now, or a duration ago such as 90m, 24h, 7d"
        case let .emptyRange(since, until):
            "the range is empty: --since \(since) is not before --until \(until)"
        case .badLimit(let limit):
            "--limit \(limit): expected 1 or more"
        case .noSite(let name):
            "\(name.rawValue) has no site to filter on: leave out --site"
        }
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
