import IngestCore

/// Version 15: no value a table holds can overflow a rollup's aggregate, and on native
/// partitions one minute that cannot be rolled up never holds back the others.
///
/// - PostgreSQL's `avg(float8)` keeps a sum of squares (`float8_accum`): two readings 0 and
///   2e154 in one minute overflow it, and every query of that bucket failed (TimescaleDB) or
///   the refresher retried the same minutes for good (native partitions). The raw tables now
///   hold every measure within ±`StorageBound.magnitude` (1e100) by a CHECK constraint, so
///   that a sum of squares of up to 10^50 readings stays finite, whatever wrote the row
///   (ingestd's configured bounds are held inside the same limit, `families.*`).
/// - Rows stored before this version beyond that limit are moved to `dead_letters`
///   (reason `out_of_range`, the row as JSON for payload, empty topic: the row does not keep
///   it) and deleted from the raw table; the delete marks their minutes for a new rollup.
/// - Native partitions: `ingestd_refresh_rollups` rolls the minutes it took up together as
///   before; when that fails, it rolls each minute up on its own, and a minute that still
///   fails is recorded in `rollup_failures` and set aside (its rollup rows stay as they were)
///   instead of staying pending: the call ends and the other minutes are up to date. A change
///   to the minute's raw rows marks it pending again. The rollup of one family's minutes is a
///   function of its own (`ingestd_rollup_sensor_minutes`, `ingestd_rollup_battery_minutes`).
///
/// Literal SQL: a released migration never changes with a live list.
enum RobustRollups {
    static let migration = Migration(version: 15, name: "bounded values and robust rollups") { layout, _ in
        layout == .partitions ? boundedValues + "\n" + isolatedRefresh : boundedValues
    }

    /// Both layouts: rows beyond the limit to the dead letters, then the CHECK constraints.
    static let boundedValues = """
        INSERT INTO dead_letters (received_at, topic, family, reason_code, reason, payload, payload_size)
        SELECT r.received_at, '', 'sensor', 'out_of_range',
               'field ''value'' is ' || r.value::text || ', outside -1e100 to 1e100; set aside by migration 15 (the row as it was stored)',
               pg_catalog.convert_to(pg_catalog.row_to_json(r)::text, 'UTF8'), pg_catalog.octet_length(pg_catalog.convert_to(pg_catalog.row_to_json(r)::text, 'UTF8'))
        FROM sensor_readings r
        WHERE NOT (r.value BETWEEN -1e100::float8 AND 1e100::float8);
        DELETE FROM sensor_readings WHERE NOT (value BETWEEN -1e100::float8 AND 1e100::float8);

        INSERT INTO dead_letters (received_at, topic, family, reason_code, reason, payload, payload_size)
        SELECT r.received_at, '', 'battery', 'out_of_range',
               'a measure of the row is outside -1e100 to 1e100; set aside by migration 15 (the row as it was stored)',
               pg_catalog.convert_to(pg_catalog.row_to_json(r)::text, 'UTF8'), pg_catalog.octet_length(pg_catalog.convert_to(pg_catalog.row_to_json(r)::text, 'UTF8'))
        FROM battery_readings r
        WHERE NOT (coalesce(r.voltage BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(r.current BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(r.temperature BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(r.soc BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(r.soh BETWEEN -1e100::float8 AND 1e100::float8, true));
        DELETE FROM battery_readings
        WHERE NOT (coalesce(voltage BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(current BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(temperature BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(soc BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(soh BETWEEN -1e100::float8 AND 1e100::float8, true));

        -- NaN and the infinities are outside too (PostgreSQL orders NaN above every number).
        ALTER TABLE sensor_readings ADD CONSTRAINT sensor_readings_value_bounded
            CHECK (value BETWEEN -1e100::float8 AND 1e100::float8);
        ALTER TABLE battery_readings ADD CONSTRAINT battery_readings_measures_bounded
            CHECK (coalesce(voltage BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(current BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(temperature BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(soc BETWEEN -1e100::float8 AND 1e100::float8, true)
               AND coalesce(soh BETWEEN -1e100::float8 AND 1e100::float8, true));
        """

    /// Native partitions: the minutes a refresh could not roll up, and the refresh that sets
    /// them aside.
    static let isolatedRefresh = """
        -- Minutes the refresher could not roll up (the error as PostgreSQL gave it); readers and
        -- the daemon see them, the refresher logs each once.
        CREATE TABLE rollup_failures (
            id        bigserial   PRIMARY KEY,
            family    text        NOT NULL,
            bucket    timestamptz NOT NULL,
            error     text        NOT NULL,
            failed_at timestamptz NOT NULL DEFAULT now()
        );
        GRANT SELECT ON rollup_failures TO ingestd_writer, ingestd_reader;

        CREATE FUNCTION ingestd_rollup_sensor_minutes(minutes timestamptz[]) RETURNS void
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
        DECLARE
            hours timestamptz[] := ARRAY(SELECT DISTINCT pg_catalog.date_bin(INTERVAL '1 hour', b, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM pg_catalog.unnest(minutes) AS b);
        BEGIN
            DELETE FROM public.sensor_rollup_1m_data WHERE bucket = ANY (minutes);
            INSERT INTO public.sensor_rollup_1m_data (bucket, site, device, metric,
                samples, min, max, avg, sum, last, last_ts)
            SELECT m.minute_start, site, device, metric,
                pg_catalog.count(*), pg_catalog.min(value), pg_catalog.max(value), pg_catalog.avg(value),
                pg_catalog.sum(value), (pg_catalog.array_agg(value ORDER BY ts DESC))[1], pg_catalog.max(ts)
            FROM pg_catalog.unnest(minutes) AS m (minute_start)
            JOIN public.sensor_readings r ON r.ts >= m.minute_start AND r.ts < m.minute_start + INTERVAL '1 minute'
            GROUP BY m.minute_start, site, device, metric;
            DELETE FROM public.sensor_rollup_1h_data WHERE bucket = ANY (hours);
            INSERT INTO public.sensor_rollup_1h_data (bucket, site, device, metric,
                samples, min, max, avg, sum, last, last_ts)
            SELECT h.hour_start, site, device, metric,
                pg_catalog.sum(samples)::bigint, pg_catalog.min(min), pg_catalog.max(max),
                (pg_catalog.sum(sum) / nullif(pg_catalog.sum(samples), 0))::double precision, pg_catalog.sum(sum),
                (pg_catalog.array_agg(last ORDER BY last_ts DESC))[1], pg_catalog.max(last_ts)
            FROM pg_catalog.unnest(hours) AS h (hour_start)
            JOIN public.sensor_rollup_1m_data m ON m.bucket >= h.hour_start AND m.bucket < h.hour_start + INTERVAL '1 hour'
            GROUP BY h.hour_start, site, device, metric;
        END
        $fn$;
        REVOKE EXECUTE ON FUNCTION ingestd_rollup_sensor_minutes(timestamptz[]) FROM PUBLIC;

        CREATE FUNCTION ingestd_rollup_battery_minutes(minutes timestamptz[]) RETURNS void
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
        DECLARE
            hours timestamptz[] := ARRAY(SELECT DISTINCT pg_catalog.date_bin(INTERVAL '1 hour', b, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM pg_catalog.unnest(minutes) AS b);
        BEGIN
            DELETE FROM public.battery_rollup_1m_data WHERE bucket = ANY (minutes);
            INSERT INTO public.battery_rollup_1m_data (bucket, site, battery,
                samples, voltage_min, voltage_max, voltage_avg, voltage_sum, voltage_n, voltage_last, current_min,
                current_max, current_avg, current_sum, current_n, current_last, temperature_min, temperature_max,
                temperature_avg, temperature_sum, temperature_n, temperature_last, soc_min, soc_max, soc_avg,
                soc_sum, soc_n, soc_last, soh_min, soh_max, soh_avg, soh_sum, soh_n, soh_last, last_ts)
            SELECT m.minute_start, site, battery,
                pg_catalog.count(*), pg_catalog.min(voltage), pg_catalog.max(voltage), pg_catalog.avg(voltage),
                pg_catalog.sum(voltage), pg_catalog.count(voltage),
                (pg_catalog.array_agg(voltage ORDER BY ts DESC))[1], pg_catalog.min(current),
                pg_catalog.max(current), pg_catalog.avg(current), pg_catalog.sum(current), pg_catalog.count(current),
                (pg_catalog.array_agg(current ORDER BY ts DESC))[1], pg_catalog.min(temperature),
                pg_catalog.max(temperature), pg_catalog.avg(temperature), pg_catalog.sum(temperature),
                pg_catalog.count(temperature), (pg_catalog.array_agg(temperature ORDER BY ts DESC))[1],
                pg_catalog.min(soc), pg_catalog.max(soc), pg_catalog.avg(soc), pg_catalog.sum(soc),
                pg_catalog.count(soc), (pg_catalog.array_agg(soc ORDER BY ts DESC))[1], pg_catalog.min(soh),
                pg_catalog.max(soh), pg_catalog.avg(soh), pg_catalog.sum(soh), pg_catalog.count(soh),
                (pg_catalog.array_agg(soh ORDER BY ts DESC))[1], pg_catalog.max(ts)
            FROM pg_catalog.unnest(minutes) AS m (minute_start)
            JOIN public.battery_readings r ON r.ts >= m.minute_start AND r.ts < m.minute_start + INTERVAL '1 minute'
            GROUP BY m.minute_start, site, battery;
            DELETE FROM public.battery_rollup_1h_data WHERE bucket = ANY (hours);
            INSERT INTO public.battery_rollup_1h_data (bucket, site, battery,
                samples, voltage_min, voltage_max, voltage_avg, voltage_sum, voltage_n, voltage_last, current_min,
                current_max, current_avg, current_sum, current_n, current_last, temperature_min, temperature_max,
                temperature_avg, temperature_sum, temperature_n, temperature_last, soc_min, soc_max, soc_avg,
                soc_sum, soc_n, soc_last, soh_min, soh_max, soh_avg, soh_sum, soh_n, soh_last, last_ts)
            SELECT h.hour_start, site, battery,
                pg_catalog.sum(samples)::bigint, pg_catalog.min(voltage_min), pg_catalog.max(voltage_max),
                (pg_catalog.sum(voltage_sum) / nullif(pg_catalog.sum(voltage_n), 0))::double precision,
                pg_catalog.sum(voltage_sum), pg_catalog.sum(voltage_n)::bigint,
                (pg_catalog.array_agg(voltage_last ORDER BY last_ts DESC))[1], pg_catalog.min(current_min),
                pg_catalog.max(current_max),
                (pg_catalog.sum(current_sum) / nullif(pg_catalog.sum(current_n), 0))::double precision,
                pg_catalog.sum(current_sum), pg_catalog.sum(current_n)::bigint,
                (pg_catalog.array_agg(current_last ORDER BY last_ts DESC))[1], pg_catalog.min(temperature_min),
                pg_catalog.max(temperature_max),
                (pg_catalog.sum(temperature_sum) / nullif(pg_catalog.sum(temperature_n), 0))::double precision,
                pg_catalog.sum(temperature_sum), pg_catalog.sum(temperature_n)::bigint,
                (pg_catalog.array_agg(temperature_last ORDER BY last_ts DESC))[1], pg_catalog.min(soc_min),
                pg_catalog.max(soc_max),
                (pg_catalog.sum(soc_sum) / nullif(pg_catalog.sum(soc_n), 0))::double precision,
                pg_catalog.sum(soc_sum), pg_catalog.sum(soc_n)::bigint,
                (pg_catalog.array_agg(soc_last ORDER BY last_ts DESC))[1], pg_catalog.min(soh_min),
                pg_catalog.max(soh_max),
                (pg_catalog.sum(soh_sum) / nullif(pg_catalog.sum(soh_n), 0))::double precision,
                pg_catalog.sum(soh_sum), pg_catalog.sum(soh_n)::bigint,
                (pg_catalog.array_agg(soh_last ORDER BY last_ts DESC))[1], pg_catalog.max(last_ts)
            FROM pg_catalog.unnest(hours) AS h (hour_start)
            JOIN public.battery_rollup_1m_data m ON m.bucket >= h.hour_start AND m.bucket < h.hour_start + INTERVAL '1 hour'
            GROUP BY h.hour_start, site, battery;
        END
        $fn$;
        REVOKE EXECUTE ON FUNCTION ingestd_rollup_battery_minutes(timestamptz[]) FROM PUBLIC;

        CREATE OR REPLACE FUNCTION ingestd_refresh_rollups(keep_since timestamptz, max_rows int) RETURNS int
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
        DECLARE
            horizon interval := (SELECT retention FROM public.ingestd_storage_policy);
            since timestamptz := CASE WHEN horizon IS NULL THEN '-infinity'
                                      ELSE least(coalesce(keep_since, '-infinity'), pg_catalog.now() - horizon) END;
            row_limit int := least(greatest(coalesce(max_rows, 1), 1), 100000);
            taken int;
            sensor_minutes timestamptz[];
            battery_minutes timestamptz[];
            one timestamptz;
        BEGIN
            -- One refresher at a time: two would each delete, then both insert, the same buckets.
            PERFORM pg_catalog.pg_advisory_xact_lock(32210658811801715);
            WITH t AS (
                DELETE FROM public.rollup_pending p
                WHERE p.ctid = ANY (ARRAY(SELECT q.ctid FROM public.rollup_pending q LIMIT row_limit))
                RETURNING p.family, p.bucket
            )
            SELECT pg_catalog.count(*),
                   coalesce(pg_catalog.array_agg(DISTINCT bucket) FILTER (WHERE family = 'sensor' AND bucket >= since), '{}'),
                   coalesce(pg_catalog.array_agg(DISTINCT bucket) FILTER (WHERE family = 'battery' AND bucket >= since), '{}')
            INTO taken, sensor_minutes, battery_minutes FROM t;
            IF pg_catalog.cardinality(sensor_minutes) > 0 THEN
                BEGIN
                    PERFORM public.ingestd_rollup_sensor_minutes(sensor_minutes);
                EXCEPTION WHEN OTHERS THEN
                    -- Each minute on its own: one that fails is set aside, not retried for good.
                    FOREACH one IN ARRAY sensor_minutes LOOP
                        BEGIN
                            PERFORM public.ingestd_rollup_sensor_minutes(ARRAY[one]);
                        EXCEPTION WHEN OTHERS THEN
                            INSERT INTO public.rollup_failures (family, bucket, error) VALUES ('sensor', one, SQLERRM);
                        END;
                    END LOOP;
                END;
            END IF;
            IF pg_catalog.cardinality(battery_minutes) > 0 THEN
                BEGIN
                    PERFORM public.ingestd_rollup_battery_minutes(battery_minutes);
                EXCEPTION WHEN OTHERS THEN
                    FOREACH one IN ARRAY battery_minutes LOOP
                        BEGIN
                            PERFORM public.ingestd_rollup_battery_minutes(ARRAY[one]);
                        EXCEPTION WHEN OTHERS THEN
                            INSERT INTO public.rollup_failures (family, bucket, error) VALUES ('battery', one, SQLERRM);
                        END;
                    END LOOP;
                END;
            END IF;
            RETURN taken;
        END
        $fn$;
        """
}
