import IngestCore

/// One family's rollups: the raw table they summarise, what they group by and what they
/// aggregate. The migration, the TimescaleDB policies and the native-partition refresher all
/// build their SQL from these, so both layouts compute the same figures under the same names.
///
/// A rollup stores more than readers see: per measure the sum (and, when the measure may be
/// null, the count of values), so that an hour is summed exactly from its minutes instead of
/// averaging averages. Readers see `bucket`, the keys, `samples`, and per measure `min`,
/// `max`, `avg`, `last` (the value of the newest reading in the bucket), then `last_ts`.
struct RollupShape: Sendable {
    /// What one rollup aggregates: a column of the raw table, and the prefix of its columns
    /// in the rollup (`voltage_min`…; the sensor's single `value` has none: `min`…).
    struct Measure: Sendable {
        let column: String
        let prefix: String
        let nullable: Bool
    }

    /// The widths of the buckets.
    enum Width: CaseIterable, Sendable {
        case minute, hour

        var suffix: String { self == .minute ? "1m" : "1h" }
        var interval: String { self == .minute ? "INTERVAL '1 minute'" : "INTERVAL '1 hour'" }
    }

    /// `rollup_pending.family` for this family's raw rows.
    let family: String
    /// The raw table; its time column is `ts`.
    let source: String
    /// The readers' names are `<name>_1m` and `<name>_1h`.
    let name: String
    /// What a bucket is grouped by, besides its start; all text.
    let keys: [String]
    let measures: [Measure]

    static let sensor = RollupShape(family: "sensor", source: "sensor_readings", name: "sensor_rollup",
                                    keys: ["site", "device", "metric"],
                                    measures: [Measure(column: "value", prefix: "", nullable: false)])

    static let battery = RollupShape(family: "battery", source: "battery_readings", name: "battery_rollup",
                                     keys: ["site", "battery"],
                                     measures: BatteryReading.parameters.map {
                                         Measure(column: $0, prefix: "\($0)_", nullable: true)
                                     })

    static let all = [sensor, battery]

    /// The reader-facing view of one width, e.g. `sensor_rollup_1m`.
    func view(_ width: Width) -> String { "\(name)_\(width.suffix)" }

    /// What holds the figures behind the view: the continuous aggregate or the table ingestd maintains.
    func storage(_ width: Width, _ layout: StorageLayout) -> String {
        "\(view(width))_\(layout == .hypertable ? "agg" : "data")"
    }

    /// The columns readers see, in order.
    var readerColumns: [String] {
        ["bucket"] + keys + ["samples"] + measures.flatMap { m in ["min", "max", "avg", "last"].map { m.prefix + $0 } } + ["last_ts"]
    }

    /// The columns of the view, cast so that both layouts give the same types.
    var viewSelect: String {
        readerColumns.map { column in
            switch column {
            case "bucket", "last_ts": column
            case "samples": "samples::bigint AS samples"
            case _ where keys.contains(column): column
            default: "\(column)::double precision AS \(column)"
            }
        }.joined(separator: ", ")
    }

    /// The aggregates of raw rows: expression and name, after the bucket and the keys.
    /// `last(column)` gives the value of the row with the newest ts.
    func rawAggregates(last: (String) -> String) -> [(expression: String, name: String)] {
        var list = [("count(*)", "samples")]
        for m in measures {
            let c = m.column, p = m.prefix
            list += [("min(\(c))", "\(p)min"), ("max(\(c))", "\(p)max"), ("avg(\(c))", "\(p)avg"), ("sum(\(c))", "\(p)sum")]
            if m.nullable { list.append(("count(\(c))", "\(p)n")) }
            list.append((last(c), "\(p)last"))
        }
        list.append(("max(ts)", "last_ts"))
        return list
    }

    /// The aggregates of minute buckets into an hour, with the same names as `rawAggregates`.
    /// `last(column, time)` gives `column` of the row with the newest `time`.
    func minuteAggregates(last: (String, String) -> String) -> [(expression: String, name: String)] {
        var list = [("sum(samples)::bigint", "samples")]
        for m in measures {
            let p = m.prefix
            let count = m.nullable ? "sum(\(p)n)" : "sum(samples)"
            list += [("min(\(p)min)", "\(p)min"), ("max(\(p)max)", "\(p)max"),
                     ("(sum(\(p)sum) / nullif(\(count), 0))::double precision", "\(p)avg"), ("sum(\(p)sum)", "\(p)sum")]
            if m.nullable { list.append(("sum(\(p)n)::bigint", "\(p)n")) }
            list.append((last("\(p)last", "last_ts"), "\(p)last"))
        }
        list.append(("max(last_ts)", "last_ts"))
        return list
    }

    /// Every stored column with its SQL type, for the native-partition tables.
    var tableColumns: String {
        let aggregates = rawAggregates { $0 }.map { a -> String in
            switch a.name {
            case "samples": "samples bigint NOT NULL"
            case "last_ts": "last_ts timestamptz NOT NULL"
            case _ where a.name.hasSuffix("_n"): "\(a.name) bigint"
            default: "\(a.name) double precision"
            }
        }
        return (["bucket timestamptz NOT NULL"] + keys.map { $0 == "site" ? "site text" : "\($0) text NOT NULL" } + aggregates)
            .joined(separator: ",\n    ")
    }
}
