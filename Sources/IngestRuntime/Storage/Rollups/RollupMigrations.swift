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
///
/// Released: frozen as it shipped; never edit. (`RollupShape` still drives the TimescaleDB
/// policies, `StoragePolicies`; the SQL here no longer follows it.)
enum RollupMigrations {
    static let migration = Migration(version: 10, name: "rollups") { layout, _ in
        switch layout {
        case .hypertable:
            #"""
            CREATE MATERIALIZED VIEW sensor_rollup_1m_agg
            WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
            SELECT time_bucket(INTERVAL '1 minute', ts) AS bucket, site, device, metric, count(*) AS samples, min(value) AS min, max(value) AS max, avg(value) AS avg, sum(value) AS sum, last(value, ts) AS last, max(ts) AS last_ts
            FROM sensor_readings
            GROUP BY time_bucket(INTERVAL '1 minute', ts), site, device, metric
            WITH NO DATA;
            CREATE MATERIALIZED VIEW sensor_rollup_1h_agg
            WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
            SELECT time_bucket(INTERVAL '1 hour', bucket) AS bucket, site, device, metric, sum(samples)::bigint AS samples, min(min) AS min, max(max) AS max, (sum(sum) / nullif(sum(samples), 0))::double precision AS avg, sum(sum) AS sum, last(last, last_ts) AS last, max(last_ts) AS last_ts
            FROM sensor_rollup_1m_agg
            GROUP BY time_bucket(INTERVAL '1 hour', bucket), site, device, metric
            WITH NO DATA;
            CREATE MATERIALIZED VIEW battery_rollup_1m_agg
            WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
            SELECT time_bucket(INTERVAL '1 minute', ts) AS bucket, site, battery, count(*) AS samples, min(voltage) AS voltage_min, max(voltage) AS voltage_max, avg(voltage) AS voltage_avg, sum(voltage) AS voltage_sum, count(voltage) AS voltage_n, last(voltage, ts) AS voltage_last, min(current) AS current_min, max(current) AS current_max, avg(current) AS current_avg, sum(current) AS current_sum, count(current) AS current_n, last(current, ts) AS current_last, min(temperature) AS temperature_min, max(temperature) AS temperature_max, avg(temperature) AS temperature_avg, sum(temperature) AS temperature_sum, count(temperature) AS temperature_n, last(temperature, ts) AS temperature_last, min(soc) AS soc_min, max(soc) AS soc_max, avg(soc) AS soc_avg, sum(soc) AS soc_sum, count(soc) AS soc_n, last(soc, ts) AS soc_last, min(soh) AS soh_min, max(soh) AS soh_max, avg(soh) AS soh_avg, sum(soh) AS soh_sum, count(soh) AS soh_n, last(soh, ts) AS soh_last, max(ts) AS last_ts
            FROM battery_readings
            GROUP BY time_bucket(INTERVAL '1 minute', ts), site, battery
            WITH NO DATA;
            CREATE MATERIALIZED VIEW battery_rollup_1h_agg
            WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
            SELECT time_bucket(INTERVAL '1 hour', bucket) AS bucket, site, battery, sum(samples)::bigint AS samples, min(voltage_min) AS voltage_min, max(voltage_max) AS voltage_max, (sum(voltage_sum) / nullif(sum(voltage_n), 0))::double precision AS voltage_avg, sum(voltage_sum) AS voltage_sum, sum(voltage_n)::bigint AS voltage_n, last(voltage_last, last_ts) AS voltage_last, min(current_min) AS current_min, max(current_max) AS current_max, (sum(current_sum) / nullif(sum(current_n), 0))::double precision AS current_avg, sum(current_sum) AS current_sum, sum(current_n)::bigint AS current_n, last(current_last, last_ts) AS current_last, min(temperature_min) AS temperature_min, max(temperature_max) AS temperature_max, (sum(temperature_sum) / nullif(sum(temperature_n), 0))::double precision AS temperature_avg, sum(temperature_sum) AS temperature_sum, sum(temperature_n)::bigint AS temperature_n, last(temperature_last, last_ts) AS temperature_last, min(soc_min) AS soc_min, max(soc_max) AS soc_max, (sum(soc_sum) / nullif(sum(soc_n), 0))::double precision AS soc_avg, sum(soc_sum) AS soc_sum, sum(soc_n)::bigint AS soc_n, last(soc_last, last_ts) AS soc_last, min(soh_min) AS soh_min, max(soh_max) AS soh_max, (sum(soh_sum) / nullif(sum(soh_n), 0))::double precision AS soh_avg, sum(soh_sum) AS soh_sum, sum(soh_n)::bigint AS soh_n, last(soh_last, last_ts) AS soh_last, max(last_ts) AS last_ts
            FROM battery_rollup_1m_agg
            GROUP BY time_bucket(INTERVAL '1 hour', bucket), site, battery
            WITH NO DATA;
            CREATE VIEW sensor_rollup_1m AS SELECT bucket, site, device, metric, samples::bigint AS samples, min::double precision AS min, max::double precision AS max, avg::double precision AS avg, last::double precision AS last, last_ts FROM sensor_rollup_1m_agg;
            CREATE VIEW sensor_rollup_1h AS SELECT bucket, site, device, metric, samples::bigint AS samples, min::double precision AS min, max::double precision AS max, avg::double precision AS avg, last::double precision AS last, last_ts FROM sensor_rollup_1h_agg;
            CREATE VIEW battery_rollup_1m AS SELECT bucket, site, battery, samples::bigint AS samples, voltage_min::double precision AS voltage_min, voltage_max::double precision AS voltage_max, voltage_avg::double precision AS voltage_avg, voltage_last::double precision AS voltage_last, current_min::double precision AS current_min, current_max::double precision AS current_max, current_avg::double precision AS current_avg, current_last::double precision AS current_last, temperature_min::double precision AS temperature_min, temperature_max::double precision AS temperature_max, temperature_avg::double precision AS temperature_avg, temperature_last::double precision AS temperature_last, soc_min::double precision AS soc_min, soc_max::double precision AS soc_max, soc_avg::double precision AS soc_avg, soc_last::double precision AS soc_last, soh_min::double precision AS soh_min, soh_max::double precision AS soh_max, soh_avg::double precision AS soh_avg, soh_last::double precision AS soh_last, last_ts FROM battery_rollup_1m_agg;
            CREATE VIEW battery_rollup_1h AS SELECT bucket, site, battery, samples::bigint AS samples, voltage_min::double precision AS voltage_min, voltage_max::double precision AS voltage_max, voltage_avg::double precision AS voltage_avg, voltage_last::double precision AS voltage_last, current_min::double precision AS current_min, current_max::double precision AS current_max, current_avg::double precision AS current_avg, current_last::double precision AS current_last, temperature_min::double precision AS temperature_min, temperature_max::double precision AS temperature_max, temperature_avg::double precision AS temperature_avg, temperature_last::double precision AS temperature_last, soc_min::double precision AS soc_min, soc_max::double precision AS soc_max, soc_avg::double precision AS soc_avg, soc_last::double precision AS soc_last, soh_min::double precision AS soh_min, soh_max::double precision AS soh_max, soh_avg::double precision AS soh_avg, soh_last::double precision AS soh_last, last_ts FROM battery_rollup_1h_agg;
            GRANT SELECT ON sensor_rollup_1m, sensor_rollup_1h, battery_rollup_1m, battery_rollup_1h TO ingestd_reader;
            """#
        case .partitions:
            #"""
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
                    SELECT DISTINCT TG_ARGV[0], date_bin(INTERVAL '1 minute', n.ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM new_rows n;
                END IF;
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    INSERT INTO rollup_pending (family, bucket)
                    SELECT DISTINCT TG_ARGV[0], date_bin(INTERVAL '1 minute', o.ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM old_rows o;
                END IF;
                RETURN NULL;
            END
            $fn$;

            CREATE TABLE sensor_rollup_1m_data (
                bucket timestamptz NOT NULL,
                site text,
                device text NOT NULL,
                metric text NOT NULL,
                samples bigint NOT NULL,
                min double precision,
                max double precision,
                avg double precision,
                sum double precision,
                last double precision,
                last_ts timestamptz NOT NULL
            );
            CREATE INDEX sensor_rollup_1m_data_bucket_idx ON sensor_rollup_1m_data (bucket);
            CREATE INDEX sensor_rollup_1m_data_device_bucket_idx ON sensor_rollup_1m_data (device, bucket);
            CREATE TABLE sensor_rollup_1h_data (
                bucket timestamptz NOT NULL,
                site text,
                device text NOT NULL,
                metric text NOT NULL,
                samples bigint NOT NULL,
                min double precision,
                max double precision,
                avg double precision,
                sum double precision,
                last double precision,
                last_ts timestamptz NOT NULL
            );
            CREATE INDEX sensor_rollup_1h_data_bucket_idx ON sensor_rollup_1h_data (bucket);
            CREATE INDEX sensor_rollup_1h_data_device_bucket_idx ON sensor_rollup_1h_data (device, bucket);
            CREATE TRIGGER sensor_readings_rollup_insert AFTER INSERT ON sensor_readings
                REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ingestd_rollup_touched('sensor');
            CREATE TRIGGER sensor_readings_rollup_update AFTER UPDATE ON sensor_readings
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ingestd_rollup_touched('sensor');
            CREATE TRIGGER sensor_readings_rollup_delete AFTER DELETE ON sensor_readings
                REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ingestd_rollup_touched('sensor');
            CREATE TABLE battery_rollup_1m_data (
                bucket timestamptz NOT NULL,
                site text,
                battery text NOT NULL,
                samples bigint NOT NULL,
                voltage_min double precision,
                voltage_max double precision,
                voltage_avg double precision,
                voltage_sum double precision,
                voltage_n bigint,
                voltage_last double precision,
                current_min double precision,
                current_max double precision,
                current_avg double precision,
                current_sum double precision,
                current_n bigint,
                current_last double precision,
                temperature_min double precision,
                temperature_max double precision,
                temperature_avg double precision,
                temperature_sum double precision,
                temperature_n bigint,
                temperature_last double precision,
                soc_min double precision,
                soc_max double precision,
                soc_avg double precision,
                soc_sum double precision,
                soc_n bigint,
                soc_last double precision,
                soh_min double precision,
                soh_max double precision,
                soh_avg double precision,
                soh_sum double precision,
                soh_n bigint,
                soh_last double precision,
                last_ts timestamptz NOT NULL
            );
            CREATE INDEX battery_rollup_1m_data_bucket_idx ON battery_rollup_1m_data (bucket);
            CREATE INDEX battery_rollup_1m_data_battery_bucket_idx ON battery_rollup_1m_data (battery, bucket);
            CREATE TABLE battery_rollup_1h_data (
                bucket timestamptz NOT NULL,
                site text,
                battery text NOT NULL,
                samples bigint NOT NULL,
                voltage_min double precision,
                voltage_max double precision,
                voltage_avg double precision,
                voltage_sum double precision,
                voltage_n bigint,
                voltage_last double precision,
                current_min double precision,
                current_max double precision,
                current_avg double precision,
                current_sum double precision,
                current_n bigint,
                current_last double precision,
                temperature_min double precision,
                temperature_max double precision,
                temperature_avg double precision,
                temperature_sum double precision,
                temperature_n bigint,
                temperature_last double precision,
                soc_min double precision,
                soc_max double precision,
                soc_avg double precision,
                soc_sum double precision,
                soc_n bigint,
                soc_last double precision,
                soh_min double precision,
                soh_max double precision,
                soh_avg double precision,
                soh_sum double precision,
                soh_n bigint,
                soh_last double precision,
                last_ts timestamptz NOT NULL
            );
            CREATE INDEX battery_rollup_1h_data_bucket_idx ON battery_rollup_1h_data (bucket);
            CREATE INDEX battery_rollup_1h_data_battery_bucket_idx ON battery_rollup_1h_data (battery, bucket);
            CREATE TRIGGER battery_readings_rollup_insert AFTER INSERT ON battery_readings
                REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ingestd_rollup_touched('battery');
            CREATE TRIGGER battery_readings_rollup_update AFTER UPDATE ON battery_readings
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ingestd_rollup_touched('battery');
            CREATE TRIGGER battery_readings_rollup_delete AFTER DELETE ON battery_readings
                REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ingestd_rollup_touched('battery');

            -- Rows stored before this migration: every minute they cover is pending, so the first
            -- rounds of the refresher roll up the history too.
            INSERT INTO rollup_pending (family, bucket) SELECT DISTINCT 'sensor', date_bin(INTERVAL '1 minute', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM sensor_readings;
            INSERT INTO rollup_pending (family, bucket) SELECT DISTINCT 'battery', date_bin(INTERVAL '1 minute', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM battery_readings;

            CREATE FUNCTION ingestd_refresh_rollups(keep_since timestamptz, max_rows int) RETURNS int
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $fn$
            DECLARE
                since timestamptz := coalesce(keep_since, '-infinity');
                taken int;
                hours timestamptz[];
                sensor_minutes timestamptz[];
                battery_minutes timestamptz[];
            BEGIN
                -- One refresher at a time: two would each delete, then both insert, the same buckets.
                PERFORM pg_advisory_xact_lock(32210658811801715);
                WITH t AS (
                    DELETE FROM rollup_pending p
                    WHERE p.ctid = ANY (ARRAY(SELECT q.ctid FROM rollup_pending q LIMIT max_rows))
                    RETURNING p.family, p.bucket
                )
                SELECT count(*), coalesce(array_agg(DISTINCT bucket) FILTER (WHERE family = 'sensor' AND bucket >= since), '{}'), coalesce(array_agg(DISTINCT bucket) FILTER (WHERE family = 'battery' AND bucket >= since), '{}') INTO taken, sensor_minutes, battery_minutes FROM t;
                IF cardinality(sensor_minutes) > 0 THEN
                    DELETE FROM sensor_rollup_1m_data WHERE bucket = ANY (sensor_minutes);
                    INSERT INTO sensor_rollup_1m_data (bucket, site, device, metric, samples, min, max, avg, sum, last, last_ts)
                    SELECT m.minute_start, site, device, metric, count(*), min(value), max(value), avg(value), sum(value), (array_agg(value ORDER BY ts DESC))[1], max(ts)
                    FROM unnest(sensor_minutes) AS m (minute_start)
                    JOIN sensor_readings r ON r.ts >= m.minute_start AND r.ts < m.minute_start + INTERVAL '1 minute'
                    GROUP BY m.minute_start, site, device, metric;
                    hours := ARRAY(SELECT DISTINCT date_bin(INTERVAL '1 hour', b, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM unnest(sensor_minutes) AS b);
                    DELETE FROM sensor_rollup_1h_data WHERE bucket = ANY (hours);
                    INSERT INTO sensor_rollup_1h_data (bucket, site, device, metric, samples, min, max, avg, sum, last, last_ts)
                    SELECT h.hour_start, site, device, metric, sum(samples)::bigint, min(min), max(max), (sum(sum) / nullif(sum(samples), 0))::double precision, sum(sum), (array_agg(last ORDER BY last_ts DESC))[1], max(last_ts)
                    FROM unnest(hours) AS h (hour_start)
                    JOIN sensor_rollup_1m_data m ON m.bucket >= h.hour_start AND m.bucket < h.hour_start + INTERVAL '1 hour'
                    GROUP BY h.hour_start, site, device, metric;
                END IF;
                IF cardinality(battery_minutes) > 0 THEN
                    DELETE FROM battery_rollup_1m_data WHERE bucket = ANY (battery_minutes);
                    INSERT INTO battery_rollup_1m_data (bucket, site, battery, samples, voltage_min, voltage_max, voltage_avg, voltage_sum, voltage_n, voltage_last, current_min, current_max, current_avg, current_sum, current_n, current_last, temperature_min, temperature_max, temperature_avg, temperature_sum, temperature_n, temperature_last, soc_min, soc_max, soc_avg, soc_sum, soc_n, soc_last, soh_min, soh_max, soh_avg, soh_sum, soh_n, soh_last, last_ts)
                    SELECT m.minute_start, site, battery, count(*), min(voltage), max(voltage), avg(voltage), sum(voltage), count(voltage), (array_agg(voltage ORDER BY ts DESC))[1], min(current), max(current), avg(current), sum(current), count(current), (array_agg(current ORDER BY ts DESC))[1], min(temperature), max(temperature), avg(temperature), sum(temperature), count(temperature), (array_agg(temperature ORDER BY ts DESC))[1], min(soc), max(soc), avg(soc), sum(soc), count(soc), (array_agg(soc ORDER BY ts DESC))[1], min(soh), max(soh), avg(soh), sum(soh), count(soh), (array_agg(soh ORDER BY ts DESC))[1], max(ts)
                    FROM unnest(battery_minutes) AS m (minute_start)
                    JOIN battery_readings r ON r.ts >= m.minute_start AND r.ts < m.minute_start + INTERVAL '1 minute'
                    GROUP BY m.minute_start, site, battery;
                    hours := ARRAY(SELECT DISTINCT date_bin(INTERVAL '1 hour', b, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM unnest(battery_minutes) AS b);
                    DELETE FROM battery_rollup_1h_data WHERE bucket = ANY (hours);
                    INSERT INTO battery_rollup_1h_data (bucket, site, battery, samples, voltage_min, voltage_max, voltage_avg, voltage_sum, voltage_n, voltage_last, current_min, current_max, current_avg, current_sum, current_n, current_last, temperature_min, temperature_max, temperature_avg, temperature_sum, temperature_n, temperature_last, soc_min, soc_max, soc_avg, soc_sum, soc_n, soc_last, soh_min, soh_max, soh_avg, soh_sum, soh_n, soh_last, last_ts)
                    SELECT h.hour_start, site, battery, sum(samples)::bigint, min(voltage_min), max(voltage_max), (sum(voltage_sum) / nullif(sum(voltage_n), 0))::double precision, sum(voltage_sum), sum(voltage_n)::bigint, (array_agg(voltage_last ORDER BY last_ts DESC))[1], min(current_min), max(current_max), (sum(current_sum) / nullif(sum(current_n), 0))::double precision, sum(current_sum), sum(current_n)::bigint, (array_agg(current_last ORDER BY last_ts DESC))[1], min(temperature_min), max(temperature_max), (sum(temperature_sum) / nullif(sum(temperature_n), 0))::double precision, sum(temperature_sum), sum(temperature_n)::bigint, (array_agg(temperature_last ORDER BY last_ts DESC))[1], min(soc_min), max(soc_max), (sum(soc_sum) / nullif(sum(soc_n), 0))::double precision, sum(soc_sum), sum(soc_n)::bigint, (array_agg(soc_last ORDER BY last_ts DESC))[1], min(soh_min), max(soh_max), (sum(soh_sum) / nullif(sum(soh_n), 0))::double precision, sum(soh_sum), sum(soh_n)::bigint, (array_agg(soh_last ORDER BY last_ts DESC))[1], max(last_ts)
                    FROM unnest(hours) AS h (hour_start)
                    JOIN battery_rollup_1m_data m ON m.bucket >= h.hour_start AND m.bucket < h.hour_start + INTERVAL '1 hour'
                    GROUP BY h.hour_start, site, battery;
                END IF;
                RETURN taken;
            END
            $fn$;

            CREATE FUNCTION ingestd_drop_partitions_before(cutoff timestamptz) RETURNS int
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $fn$
            DECLARE
                part record;
                dropped int := 0;
            BEGIN
                FOR part IN
                    SELECT c.relname,
                           substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz AS upper_bound
                    FROM pg_inherits i
                    JOIN pg_class c ON c.oid = i.inhrelid
                    JOIN pg_class p ON p.oid = i.inhparent
                    WHERE p.relnamespace = 'public'::regnamespace
                      AND p.relname IN ('sensor_readings', 'battery_readings', 'equipment_state_history')
                      AND c.relname ~ '_p[0-9]{8}$'
                LOOP
                    IF part.upper_bound <= cutoff THEN
                        EXECUTE format('DROP TABLE %I', part.relname);
                        dropped := dropped + 1;
                    END IF;
                END LOOP;
                RETURN dropped;
            END
            $fn$;
            CREATE VIEW sensor_rollup_1m AS SELECT bucket, site, device, metric, samples::bigint AS samples, min::double precision AS min, max::double precision AS max, avg::double precision AS avg, last::double precision AS last, last_ts FROM sensor_rollup_1m_data;
            CREATE VIEW sensor_rollup_1h AS SELECT bucket, site, device, metric, samples::bigint AS samples, min::double precision AS min, max::double precision AS max, avg::double precision AS avg, last::double precision AS last, last_ts FROM sensor_rollup_1h_data;
            CREATE VIEW battery_rollup_1m AS SELECT bucket, site, battery, samples::bigint AS samples, voltage_min::double precision AS voltage_min, voltage_max::double precision AS voltage_max, voltage_avg::double precision AS voltage_avg, voltage_last::double precision AS voltage_last, current_min::double precision AS current_min, current_max::double precision AS current_max, current_avg::double precision AS current_avg, current_last::double precision AS current_last, temperature_min::double precision AS temperature_min, temperature_max::double precision AS temperature_max, temperature_avg::double precision AS temperature_avg, temperature_last::double precision AS temperature_last, soc_min::double precision AS soc_min, soc_max::double precision AS soc_max, soc_avg::double precision AS soc_avg, soc_last::double precision AS soc_last, soh_min::double precision AS soh_min, soh_max::double precision AS soh_max, soh_avg::double precision AS soh_avg, soh_last::double precision AS soh_last, last_ts FROM battery_rollup_1m_data;
            CREATE VIEW battery_rollup_1h AS SELECT bucket, site, battery, samples::bigint AS samples, voltage_min::double precision AS voltage_min, voltage_max::double precision AS voltage_max, voltage_avg::double precision AS voltage_avg, voltage_last::double precision AS voltage_last, current_min::double precision AS current_min, current_max::double precision AS current_max, current_avg::double precision AS current_avg, current_last::double precision AS current_last, temperature_min::double precision AS temperature_min, temperature_max::double precision AS temperature_max, temperature_avg::double precision AS temperature_avg, temperature_last::double precision AS temperature_last, soc_min::double precision AS soc_min, soc_max::double precision AS soc_max, soc_avg::double precision AS soc_avg, soc_last::double precision AS soc_last, soh_min::double precision AS soh_min, soh_max::double precision AS soh_max, soh_avg::double precision AS soh_avg, soh_last::double precision AS soh_last, last_ts FROM battery_rollup_1h_data;
            GRANT SELECT ON sensor_rollup_1m, sensor_rollup_1h, battery_rollup_1m, battery_rollup_1h TO ingestd_reader;
            """#
        }
    }
}
