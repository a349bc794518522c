import IngestCore

/// Version 12: the SECURITY DEFINER functions (native-partition layout; TimescaleDB has none)
/// cannot be made to run a user's code as the owner.
///
/// Version 11 left them with `search_path = public, pg_temp` and unqualified calls of
/// `format`, `to_char`, `generate_series`, `unnest`, `cardinality`, `array_agg`…: where
/// `public` is writable (every database made before PostgreSQL 15, or pg_upgraded), a user
/// that creates `public.to_char(date, text)` or `public.format(text, text)` (a better match
/// than the built-in's `timestamptz` or `VARIADIC "any"`) ran it as the owner the next time
/// the daemon made partitions or refreshed the rollups. Now they run with
/// `search_path = pg_catalog, pg_temp`, name every table of ours `public.name` and every
/// built-in function `pg_catalog.name`; operators resolve in pg_catalog alone. Grants and
/// clamps are version 11's: EXECUTE only for `ingestd_writer`, never PUBLIC.
///
/// Literal SQL (never built from `FamilyTables` or `RollupShape`): once released, never edit.
enum SearchPathHardening {
    static let migration = Migration(version: 12, name: "security definer functions search pg_catalog only") { layout, _ in
        switch layout {
        case .hypertable:
            "SELECT 1"
        case .partitions:
            #"""
            -- Every SECURITY DEFINER function of ingestd's, re-created to search pg_catalog and pg_temp
            -- alone (pg_temp last; public left out, so nothing a user creates there is ever found) and to
            -- name each of our tables public.name and each built-in function pg_catalog.name. Same
            -- bodies, clamps and results as versions 10 and 11; CREATE OR REPLACE keeps owner and grants.
            CREATE OR REPLACE FUNCTION public.ingestd_ensure_partitions(days_back int, days_ahead int) RETURNS int
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
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
                FOR parent IN SELECT c.relname FROM pg_catalog.pg_partitioned_table p JOIN pg_catalog.pg_class c ON c.oid = p.partrelid
                              WHERE c.relnamespace = 'public'::regnamespace
                                AND c.relname IN ('sensor_readings', 'battery_readings', 'equipment_state_history') LOOP
                    FOR d IN SELECT pg_catalog.generate_series(current_date - days_back, current_date + days_ahead, interval '1 day')::date LOOP
                        name := parent || '_p' || pg_catalog.to_char(d, 'YYYYMMDD');
                        IF pg_catalog.to_regclass(pg_catalog.format('public.%I', name)) IS NULL THEN
                            BEGIN
                                EXECUTE pg_catalog.format('CREATE TABLE public.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
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

            CREATE OR REPLACE FUNCTION public.ingestd_refresh_rollups(keep_since timestamptz, max_rows int) RETURNS int
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
            DECLARE
                horizon interval := (SELECT retention FROM public.ingestd_storage_policy);
                since timestamptz := CASE WHEN horizon IS NULL THEN '-infinity'
                                          ELSE least(coalesce(keep_since, '-infinity'), pg_catalog.now() - horizon) END;
                row_limit int := least(greatest(coalesce(max_rows, 1), 1), 100000);
                taken int;
                hours timestamptz[];
                sensor_minutes timestamptz[];
                battery_minutes timestamptz[];
            BEGIN
                -- One refresher at a time: two would each delete, then both insert, the same buckets.
                PERFORM pg_catalog.pg_advisory_xact_lock(32210658811801715);
                WITH t AS (
                    DELETE FROM public.rollup_pending p
                    WHERE p.ctid = ANY (ARRAY(SELECT q.ctid FROM public.rollup_pending q LIMIT row_limit))
                    RETURNING p.family, p.bucket
                )
                SELECT pg_catalog.count(*), coalesce(pg_catalog.array_agg(DISTINCT bucket) FILTER (WHERE family = 'sensor' AND bucket >= since), '{}'), coalesce(pg_catalog.array_agg(DISTINCT bucket) FILTER (WHERE family = 'battery' AND bucket >= since), '{}') INTO taken, sensor_minutes, battery_minutes FROM t;
                IF pg_catalog.cardinality(sensor_minutes) > 0 THEN
                    DELETE FROM public.sensor_rollup_1m_data WHERE bucket = ANY (sensor_minutes);
                    INSERT INTO public.sensor_rollup_1m_data (bucket, site, device, metric, samples, min, max, avg, sum, last, last_ts)
                    SELECT m.minute_start, site, device, metric, pg_catalog.count(*), pg_catalog.min(value), pg_catalog.max(value), pg_catalog.avg(value), pg_catalog.sum(value), (pg_catalog.array_agg(value ORDER BY ts DESC))[1], pg_catalog.max(ts)
                    FROM pg_catalog.unnest(sensor_minutes) AS m (minute_start)
                    JOIN public.sensor_readings r ON r.ts >= m.minute_start AND r.ts < m.minute_start + INTERVAL '1 minute'
                    GROUP BY m.minute_start, site, device, metric;
                    hours := ARRAY(SELECT DISTINCT pg_catalog.date_bin(INTERVAL '1 hour', b, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM pg_catalog.unnest(sensor_minutes) AS b);
                    DELETE FROM public.sensor_rollup_1h_data WHERE bucket = ANY (hours);
                    INSERT INTO public.sensor_rollup_1h_data (bucket, site, device, metric, samples, min, max, avg, sum, last, last_ts)
                    SELECT h.hour_start, site, device, metric, pg_catalog.sum(samples)::bigint, pg_catalog.min(min), pg_catalog.max(max), (pg_catalog.sum(sum) / nullif(pg_catalog.sum(samples), 0))::double precision, pg_catalog.sum(sum), (pg_catalog.array_agg(last ORDER BY last_ts DESC))[1], pg_catalog.max(last_ts)
                    FROM pg_catalog.unnest(hours) AS h (hour_start)
                    JOIN public.sensor_rollup_1m_data m ON m.bucket >= h.hour_start AND m.bucket < h.hour_start + INTERVAL '1 hour'
                    GROUP BY h.hour_start, site, device, metric;
                END IF;
                IF pg_catalog.cardinality(battery_minutes) > 0 THEN
                    DELETE FROM public.battery_rollup_1m_data WHERE bucket = ANY (battery_minutes);
                    INSERT INTO public.battery_rollup_1m_data (bucket, site, battery, samples, voltage_min, voltage_max, voltage_avg, voltage_sum, voltage_n, voltage_last, current_min, current_max, current_avg, current_sum, current_n, current_last, temperature_min, temperature_max, temperature_avg, temperature_sum, temperature_n, temperature_last, soc_min, soc_max, soc_avg, soc_sum, soc_n, soc_last, soh_min, soh_max, soh_avg, soh_sum, soh_n, soh_last, last_ts)
                    SELECT m.minute_start, site, battery, pg_catalog.count(*), pg_catalog.min(voltage), pg_catalog.max(voltage), pg_catalog.avg(voltage), pg_catalog.sum(voltage), pg_catalog.count(voltage), (pg_catalog.array_agg(voltage ORDER BY ts DESC))[1], pg_catalog.min(current), pg_catalog.max(current), pg_catalog.avg(current), pg_catalog.sum(current), pg_catalog.count(current), (pg_catalog.array_agg(current ORDER BY ts DESC))[1], pg_catalog.min(temperature), pg_catalog.max(temperature), pg_catalog.avg(temperature), pg_catalog.sum(temperature), pg_catalog.count(temperature), (pg_catalog.array_agg(temperature ORDER BY ts DESC))[1], pg_catalog.min(soc), pg_catalog.max(soc), pg_catalog.avg(soc), pg_catalog.sum(soc), pg_catalog.count(soc), (pg_catalog.array_agg(soc ORDER BY ts DESC))[1], pg_catalog.min(soh), pg_catalog.max(soh), pg_catalog.avg(soh), pg_catalog.sum(soh), pg_catalog.count(soh), (pg_catalog.array_agg(soh ORDER BY ts DESC))[1], pg_catalog.max(ts)
                    FROM pg_catalog.unnest(battery_minutes) AS m (minute_start)
                    JOIN public.battery_readings r ON r.ts >= m.minute_start AND r.ts < m.minute_start + INTERVAL '1 minute'
                    GROUP BY m.minute_start, site, battery;
                    hours := ARRAY(SELECT DISTINCT pg_catalog.date_bin(INTERVAL '1 hour', b, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM pg_catalog.unnest(battery_minutes) AS b);
                    DELETE FROM public.battery_rollup_1h_data WHERE bucket = ANY (hours);
                    INSERT INTO public.battery_rollup_1h_data (bucket, site, battery, samples, voltage_min, voltage_max, voltage_avg, voltage_sum, voltage_n, voltage_last, current_min, current_max, current_avg, current_sum, current_n, current_last, temperature_min, temperature_max, temperature_avg, temperature_sum, temperature_n, temperature_last, soc_min, soc_max, soc_avg, soc_sum, soc_n, soc_last, soh_min, soh_max, soh_avg, soh_sum, soh_n, soh_last, last_ts)
                    SELECT h.hour_start, site, battery, pg_catalog.sum(samples)::bigint, pg_catalog.min(voltage_min), pg_catalog.max(voltage_max), (pg_catalog.sum(voltage_sum) / nullif(pg_catalog.sum(voltage_n), 0))::double precision, pg_catalog.sum(voltage_sum), pg_catalog.sum(voltage_n)::bigint, (pg_catalog.array_agg(voltage_last ORDER BY last_ts DESC))[1], pg_catalog.min(current_min), pg_catalog.max(current_max), (pg_catalog.sum(current_sum) / nullif(pg_catalog.sum(current_n), 0))::double precision, pg_catalog.sum(current_sum), pg_catalog.sum(current_n)::bigint, (pg_catalog.array_agg(current_last ORDER BY last_ts DESC))[1], pg_catalog.min(temperature_min), pg_catalog.max(temperature_max), (pg_catalog.sum(temperature_sum) / nullif(pg_catalog.sum(temperature_n), 0))::double precision, pg_catalog.sum(temperature_sum), pg_catalog.sum(temperature_n)::bigint, (pg_catalog.array_agg(temperature_last ORDER BY last_ts DESC))[1], pg_catalog.min(soc_min), pg_catalog.max(soc_max), (pg_catalog.sum(soc_sum) / nullif(pg_catalog.sum(soc_n), 0))::double precision, pg_catalog.sum(soc_sum), pg_catalog.sum(soc_n)::bigint, (pg_catalog.array_agg(soc_last ORDER BY last_ts DESC))[1], pg_catalog.min(soh_min), pg_catalog.max(soh_max), (pg_catalog.sum(soh_sum) / nullif(pg_catalog.sum(soh_n), 0))::double precision, pg_catalog.sum(soh_sum), pg_catalog.sum(soh_n)::bigint, (pg_catalog.array_agg(soh_last ORDER BY last_ts DESC))[1], pg_catalog.max(last_ts)
                    FROM pg_catalog.unnest(hours) AS h (hour_start)
                    JOIN public.battery_rollup_1m_data m ON m.bucket >= h.hour_start AND m.bucket < h.hour_start + INTERVAL '1 hour'
                    GROUP BY h.hour_start, site, battery;
                END IF;
                RETURN taken;
            END
            $fn$;

            CREATE OR REPLACE FUNCTION public.ingestd_drop_partitions_before(cutoff timestamptz) RETURNS int
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
            DECLARE
                horizon interval := (SELECT retention FROM public.ingestd_storage_policy);
                part record;
                dropped int := 0;
            BEGIN
                IF horizon IS NULL OR cutoff IS NULL THEN
                    RETURN 0;
                END IF;
                cutoff := least(cutoff, pg_catalog.now() - horizon);
                FOR part IN
                    SELECT c.relname,
                           pg_catalog.substring(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)')::timestamptz AS upper_bound
                    FROM pg_catalog.pg_inherits i
                    JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
                    JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
                    WHERE p.relnamespace = 'public'::regnamespace
                      AND p.relname IN ('sensor_readings', 'battery_readings', 'equipment_state_history')
                      AND c.relname ~ '_p[0-9]{8}$'
                LOOP
                    IF part.upper_bound <= cutoff THEN
                        EXECUTE pg_catalog.format('DROP TABLE public.%I', part.relname);
                        dropped := dropped + 1;
                    END IF;
                END LOOP;
                RETURN dropped;
            END
            $fn$;

            CREATE OR REPLACE FUNCTION public.ingestd_rollup_touched() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
            BEGIN
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    INSERT INTO public.rollup_pending (family, bucket)
                    SELECT DISTINCT TG_ARGV[0], pg_catalog.date_bin(INTERVAL '1 minute', n.ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM new_rows n;
                END IF;
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    INSERT INTO public.rollup_pending (family, bucket)
                    SELECT DISTINCT TG_ARGV[0], pg_catalog.date_bin(INTERVAL '1 minute', o.ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM old_rows o;
                END IF;
                RETURN NULL;
            END
            $fn$;

            REVOKE ALL ON FUNCTION public.ingestd_ensure_partitions(int, int), public.ingestd_refresh_rollups(timestamptz, int),
                                   public.ingestd_drop_partitions_before(timestamptz), public.ingestd_rollup_touched() FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION public.ingestd_ensure_partitions(int, int), public.ingestd_refresh_rollups(timestamptz, int),
                                      public.ingestd_drop_partitions_before(timestamptz) TO ingestd_writer;

            """#
        }
    }
}
