import IngestCore

/// Version 10: the rollups `sensor_rollup_1m`, `sensor_rollup_1h`, `battery_rollup_1m` and
/// `battery_rollup_1h`, the same views with the same columns on both layouts (`RollupShape`).
///
/// - TimescaleDB: continuous aggregates with real-time aggregation (the newest buckets come
///   from the raw rows until materialised); the hour is hierarchical on the minute, so its
///   refresh reads 60 rows per series instead of every reading. The refresh policies, and
///   compression and retention, follow the config at every migrate (`StoragePolicies`).
/// - Native partitions: plain tables that `RollupRefresher` keeps up to date. Statement
///   triggers on the raw tables record which minutes each insert, correction or delete
///   touched in `rollup_pending` (insert-only, no key: writers never wait on each other);
///   `ingestd_refresh_rollups` recomputes those minutes from the raw rows and their hours
///   from the minutes. Any change is caught, from ingestd or from an operator's SQL.
enum RollupMigrations {
    static let migration = Migration(version: 10, name: "rollups") { layout, _ in
        let body = switch layout {
        case .hypertable: continuousAggregates
        case .partitions: maintainedTables
        }
        let views = RollupShape.all.flatMap { shape in RollupShape.Width.allCases.map { width in
            "CREATE VIEW \(shape.view(width)) AS SELECT \(shape.viewSelect) FROM \(shape.storage(width, layout));"
        } }
        let names = RollupShape.all.flatMap { shape in RollupShape.Width.allCases.map { shape.view($0) } }
        return body + "\n" + views.joined(separator: "\n") + """

            GRANT SELECT ON \(names.joined(separator: ", ")) TO ingestd_reader;
            """
    }

    /// Minute buckets on the same grid as TimescaleDB's `time_bucket` (UTC, not the session's zone).
    static func bin(_ interval: String, _ column: String) -> String {
        "date_bin(\(interval), \(column), TIMESTAMPTZ '2000-01-01 00:00:00+00')"
    }

    private static var continuousAggregates: String {
        RollupShape.all.map { shape in
            let keys = shape.keys.joined(separator: ", ")
            let minute = shape.rawAggregates { "last(\($0), ts)" }.map { "\($0.expression) AS \($0.name)" }.joined(separator: ", ")
            let hour = shape.minuteAggregates { "last(\($0), \($1))" }.map { "\($0.expression) AS \($0.name)" }.joined(separator: ", ")
            return """
            CREATE MATERIALIZED VIEW \(shape.storage(.minute, .hypertable))
            WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
            SELECT time_bucket(\(RollupShape.Width.minute.interval), ts) AS bucket, \(keys), \(minute)
            FROM \(shape.source)
            GROUP BY time_bucket(\(RollupShape.Width.minute.interval), ts), \(keys)
            WITH NO DATA;
            CREATE MATERIALIZED VIEW \(shape.storage(.hour, .hypertable))
            WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
            SELECT time_bucket(\(RollupShape.Width.hour.interval), bucket) AS bucket, \(keys), \(hour)
            FROM \(shape.storage(.minute, .hypertable))
            GROUP BY time_bucket(\(RollupShape.Width.hour.interval), bucket), \(keys)
            WITH NO DATA;
            """
        }.joined(separator: "\n")
    }

    private static var maintainedTables: String {
        let tables = RollupShape.all.map { shape in
            RollupShape.Width.allCases.map { width in
                let table = shape.storage(width, .partitions)
                return """
                CREATE TABLE \(table) (
                    \(shape.tableColumns)
                );
                CREATE INDEX \(table)_bucket_idx ON \(table) (bucket);
                CREATE INDEX \(table)_\(shape.keys[1])_bucket_idx ON \(table) (\(shape.keys[1]), bucket);
                """
            }.joined(separator: "\n") + """

            CREATE TRIGGER \(shape.source)_rollup_insert AFTER INSERT ON \(shape.source)
                REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ingestd_rollup_touched('\(shape.family)');
            CREATE TRIGGER \(shape.source)_rollup_update AFTER UPDATE ON \(shape.source)
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ingestd_rollup_touched('\(shape.family)');
            CREATE TRIGGER \(shape.source)_rollup_delete AFTER DELETE ON \(shape.source)
                REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ingestd_rollup_touched('\(shape.family)');
            """
        }
        return """
        -- The minutes whose raw rows changed since the rollups last caught up. Insert-only and
        -- without a key, so that writers never wait on each other or on the refresher, and a
        -- minute touched again while the refresher works on it stays pending: the refresher
        -- deletes only the rows it saw.
        CREATE TABLE rollup_pending (
            family text        NOT NULL,
            bucket timestamptz NOT NULL
        );

        -- After each statement on a raw table: the minutes it touched (one row per minute, not per row).
        CREATE FUNCTION ingestd_rollup_touched() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $fn$
        BEGIN
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO rollup_pending (family, bucket)
                SELECT DISTINCT TG_ARGV[0], \(bin("INTERVAL '1 minute'", "n.ts")) FROM new_rows n;
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                INSERT INTO rollup_pending (family, bucket)
                SELECT DISTINCT TG_ARGV[0], \(bin("INTERVAL '1 minute'", "o.ts")) FROM old_rows o;
            END IF;
            RETURN NULL;
        END
        $fn$;

        \(tables.joined(separator: "\n"))

        -- Rows stored before this migration: every minute they cover is pending, so the first
        -- rounds of the refresher roll up the history too.
        \(RollupShape.all.map { shape in
            "INSERT INTO rollup_pending (family, bucket) SELECT DISTINCT '\(shape.family)', \(bin("INTERVAL '1 minute'", "ts")) FROM \(shape.source);"
        }.joined(separator: "\n"))

        \(refreshFunction(hardened: false))

        \(retentionFunction(hardened: false))
        """
    }

    /// `ingestd_refresh_rollups(keep_since, max_rows)`: takes up to max_rows pending rows,
    /// recomputes their minutes from the raw rows and their hours from the minutes, and
    /// returns how many rows it took (fewer than max_rows: nothing is left). Minutes before
    /// keep_since (the retention horizon; NULL: none) are let go: their raw rows may be
    /// dropped already, and the rollups keep their history.
    ///
    /// `hardened` (version 11, `LeastPrivilege`): replaces the function; max_rows is held to
    /// 1…`LeastPrivilege.maxRefreshRows`, and keep_since to no later than the retention the
    /// owner recorded (`ingestd_storage_policy`; none: nothing is let go), so that its caller
    /// cannot make it let go of minutes whose raw rows are still there.
    static func refreshFunction(hardened: Bool) -> String {
        let declarations = RollupShape.all.map { "\($0.family)_minutes timestamptz[];" }.joined(separator: "\n    ")
        let arrays = RollupShape.all.map {
            "coalesce(array_agg(DISTINCT bucket) FILTER (WHERE family = '\($0.family)' AND bucket >= since), '{}')"
        }.joined(separator: ", ")
        let into = RollupShape.all.map { "\($0.family)_minutes" }.joined(separator: ", ")
        let recompute = RollupShape.all.map { shape in
            let keys = shape.keys.joined(separator: ", ")
            let minutes = "\(shape.family)_minutes"
            let raw = shape.rawAggregates { "(array_agg(\($0) ORDER BY ts DESC))[1]" }
            let hourly = shape.minuteAggregates { "(array_agg(\($0) ORDER BY \($1) DESC))[1]" }
            let minuteTable = shape.storage(.minute, .partitions), hourTable = shape.storage(.hour, .partitions)
            return """
                IF cardinality(\(minutes)) > 0 THEN
                    DELETE FROM \(minuteTable) WHERE bucket = ANY (\(minutes));
                    INSERT INTO \(minuteTable) (bucket, \(keys), \(raw.map(\.name).joined(separator: ", ")))
                    SELECT m.minute_start, \(keys), \(raw.map(\.expression).joined(separator: ", "))
                    FROM unnest(\(minutes)) AS m (minute_start)
                    JOIN \(shape.source) r ON r.ts >= m.minute_start AND r.ts < m.minute_start + INTERVAL '1 minute'
                    GROUP BY m.minute_start, \(keys);
                    hours := ARRAY(SELECT DISTINCT \(bin("INTERVAL '1 hour'", "b")) FROM unnest(\(minutes)) AS b);
                    DELETE FROM \(hourTable) WHERE bucket = ANY (hours);
                    INSERT INTO \(hourTable) (bucket, \(keys), \(hourly.map(\.name).joined(separator: ", ")))
                    SELECT h.hour_start, \(keys), \(hourly.map(\.expression).joined(separator: ", "))
                    FROM unnest(hours) AS h (hour_start)
                    JOIN \(minuteTable) m ON m.bucket >= h.hour_start AND m.bucket < h.hour_start + INTERVAL '1 hour'
                    GROUP BY h.hour_start, \(keys);
                END IF;
            """
        }.joined(separator: "\n")
        let head = hardened ? """
            CREATE OR REPLACE FUNCTION ingestd_refresh_rollups(keep_since timestamptz, max_rows int) RETURNS int
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
            DECLARE
                horizon interval := (SELECT retention FROM ingestd_storage_policy);
                since timestamptz := CASE WHEN horizon IS NULL THEN '-infinity'
                                          ELSE least(coalesce(keep_since, '-infinity'), now() - horizon) END;
                row_limit int := least(greatest(coalesce(max_rows, 1), 1), \(LeastPrivilege.maxRefreshRows));
            """ : """
            CREATE FUNCTION ingestd_refresh_rollups(keep_since timestamptz, max_rows int) RETURNS int
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $fn$
            DECLARE
                since timestamptz := coalesce(keep_since, '-infinity');
            """
        return """
        \(head)
            taken int;
            hours timestamptz[];
            \(declarations)
        BEGIN
            -- One refresher at a time: two would each delete, then both insert, the same buckets.
            PERFORM pg_advisory_xact_lock(\(lockKey));
            WITH t AS (
                DELETE FROM rollup_pending p
                WHERE p.ctid = ANY (ARRAY(SELECT q.ctid FROM rollup_pending q LIMIT \(hardened ? "row_limit" : "max_rows")))
                RETURNING p.family, p.bucket
            )
            SELECT count(*), \(arrays) INTO taken, \(into) FROM t;
        \(recompute)
            RETURN taken;
        END
        $fn$;
        """
    }

    /// The advisory lock of the refresh: "rollups" in ASCII (the migrator's is "ingestd").
    static let lockKey: Int64 = 0x0072_6F6C_6C75_7073

    /// `ingestd_drop_partitions_before(cutoff)`: drops the daily partitions of the raw tables
    /// that end at or before cutoff (their bound as created, whatever the session's zone);
    /// returns how many. DROP fires no trigger: the rollups keep what they summarised.
    ///
    /// `hardened` (version 11, `LeastPrivilege`): replaces the function; cutoff is held to no
    /// later than now minus the retention the owner recorded (`ingestd_storage_policy`; none:
    /// nothing is dropped), so that its caller cannot drop data the config keeps.
    static func retentionFunction(hardened: Bool) -> String {
        let head = hardened ? """
            CREATE OR REPLACE FUNCTION ingestd_drop_partitions_before(cutoff timestamptz) RETURNS int
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
            DECLARE
                horizon interval := (SELECT retention FROM ingestd_storage_policy);
                part record;
                dropped int := 0;
            BEGIN
                IF horizon IS NULL OR cutoff IS NULL THEN
                    RETURN 0;
                END IF;
                cutoff := least(cutoff, now() - horizon);
            """ : """
            CREATE FUNCTION ingestd_drop_partitions_before(cutoff timestamptz) RETURNS int
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $fn$
            DECLARE
                part record;
                dropped int := 0;
            BEGIN
            """
        return """
        \(head)
            FOR part IN
                SELECT c.relname,
                       substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \\(''([^'']+)''\\)')::timestamptz AS upper_bound
                FROM pg_inherits i
                JOIN pg_class c ON c.oid = i.inhrelid
                JOIN pg_class p ON p.oid = i.inhparent
                WHERE p.relnamespace = 'public'::regnamespace
                  AND p.relname IN ('\(FamilyTables.partitionedTables.joined(separator: "', '"))')
                  AND c.relname ~ '_p[0-9]{8}$'
            LOOP
                IF part.upper_bound <= cutoff THEN
                    EXECUTE format('DROP TABLE \(hardened ? "public.%I" : "%I")', part.relname);
                    dropped := dropped + 1;
                END IF;
            END LOOP;
            RETURN dropped;
        END
        $fn$;
        """
    }
}
