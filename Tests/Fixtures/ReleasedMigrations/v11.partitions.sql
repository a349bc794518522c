DO $revoke$
DECLARE
    object record;
BEGIN
    FOR object IN
        SELECT c.oid::regclass::text AS name, c.relkind FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND pg_has_role(current_user, c.relowner, 'USAGE')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    LOOP
        IF object.relkind = 'S' THEN
            EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM ingestd_writer, ingestd_reader', object.name);
        ELSE
            EXECUTE format('REVOKE ALL ON TABLE %s FROM ingestd_writer, ingestd_reader', object.name);
        END IF;
    END LOOP;
    FOR object IN
        SELECT p.oid::regprocedure::text AS name FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')
          AND pg_has_role(current_user, p.proowner, 'USAGE')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM ingestd_writer, ingestd_reader', object.name);
    END LOOP;
END $revoke$;

GRANT SELECT, INSERT, UPDATE ON sensor_readings, battery_readings, equipment_state_history, equipment_state_current, machine_events, dead_letters, alerts TO ingestd_writer;
GRANT USAGE ON SEQUENCE dead_letters_id_seq TO ingestd_writer;
GRANT SELECT ON ingestd_migrations TO ingestd_writer;
GRANT SELECT ON sensor_readings, battery_readings, equipment_state_history, equipment_state_current, machine_events, dead_letters, alerts, alerts_open, equipment_state_now, battery_latest, battery_health_daily, sensor_rollup_1m, sensor_rollup_1h, battery_rollup_1m, battery_rollup_1h TO ingestd_reader;
GRANT EXECUTE ON FUNCTION equipment_state_history_between(timestamptz, timestamptz),
                          machine_summary(timestamptz, timestamptz),
                          top_lines_by_defects(timestamptz, timestamptz, int, text),
                          battery_health_daily_between(timestamptz, timestamptz)
      TO ingestd_reader;

DO $db$ BEGIN
    -- The COPY path's staging table is a temporary one; PUBLIC has TEMPORARY unless a
    -- DBA took it away. Only the database's owner may grant it.
    IF pg_has_role(current_user, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE') THEN
        EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO ingestd_writer', current_database());
    END IF;
    IF pg_has_role(current_user, (SELECT nspowner FROM pg_namespace WHERE nspname = 'public'), 'USAGE') THEN
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
        REVOKE CREATE ON SCHEMA public FROM ingestd_writer, ingestd_reader;
    END IF;
END $db$;

-- The owner's retention (StoragePolicies writes it at every migrate), which bounds
-- what the writer's calls may drop or let go of. One row; NULL: kept forever.
CREATE TABLE ingestd_storage_policy (
    only_row  boolean  PRIMARY KEY DEFAULT true CHECK (only_row),
    retention interval
);
INSERT INTO ingestd_storage_policy (retention) VALUES (NULL);

CREATE OR REPLACE FUNCTION ingestd_ensure_partitions(days_back int, days_ahead int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    parent text;
    d date;
    created int := 0;
    name text;
BEGIN
    IF days_back IS NULL OR days_ahead IS NULL
       OR days_back NOT BETWEEN 0 AND 400
       OR days_ahead NOT BETWEEN 0 AND 31 THEN
        -- not a data error (class 22): the writer would take its batch for bad rows
        RAISE EXCEPTION 'ingestd_ensure_partitions(%, %): days_back must be 0 to 400 and days_ahead 0 to 31',
                        days_back, days_ahead;
    END IF;
    FOR parent IN SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
                  WHERE c.relnamespace = 'public'::regnamespace
                    AND c.relname IN ('sensor_readings', 'battery_readings', 'equipment_state_history') LOOP
        FOR d IN SELECT generate_series(current_date - days_back, current_date + days_ahead, interval '1 day')::date LOOP
            name := parent || '_p' || to_char(d, 'YYYYMMDD');
            IF to_regclass(format('public.%I', name)) IS NULL THEN
                BEGIN
                    EXECUTE format('CREATE TABLE public.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
                                   name, parent, d::timestamptz, (d + 1)::timestamptz);
                    created := created + 1;
                EXCEPTION WHEN check_violation OR invalid_object_definition THEN
                    -- rows for that day already sit in the default partition: leave them there
                    RAISE NOTICE 'partition % not created: %', name, SQLERRM;
                END;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END
$fn$;

CREATE OR REPLACE FUNCTION ingestd_refresh_rollups(keep_since timestamptz, max_rows int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    horizon interval := (SELECT retention FROM ingestd_storage_policy);
    since timestamptz := CASE WHEN horizon IS NULL THEN '-infinity'
                              ELSE least(coalesce(keep_since, '-infinity'), now() - horizon) END;
    row_limit int := least(greatest(coalesce(max_rows, 1), 1), 100000);
    taken int;
    hours timestamptz[];
    sensor_minutes timestamptz[];
    battery_minutes timestamptz[];
BEGIN
    -- One refresher at a time: two would each delete, then both insert, the same buckets.
    PERFORM pg_advisory_xact_lock(32210658811801715);
    WITH t AS (
        DELETE FROM rollup_pending p
        WHERE p.ctid = ANY (ARRAY(SELECT q.ctid FROM rollup_pending q LIMIT row_limit))
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
            EXECUTE format('DROP TABLE public.%I', part.relname);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END
$fn$;

GRANT EXECUTE ON FUNCTION ingestd_ensure_partitions(int, int), ingestd_refresh_rollups(timestamptz, int), ingestd_drop_partitions_before(timestamptz) TO ingestd_writer;

DO $definers$
DECLARE
    fn text;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure::text FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
          AND pg_has_role(current_user, p.proowner, 'USAGE')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', fn);
        EXECUTE format('ALTER FUNCTION %s SET search_path = public, pg_temp', fn);
    END LOOP;
END $definers$;