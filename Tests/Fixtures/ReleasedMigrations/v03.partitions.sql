CREATE OR REPLACE FUNCTION ingestd_ensure_partitions(days_back int, days_ahead int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $fn$
DECLARE
    parent text;
    d date;
    created int := 0;
    name text;
BEGIN
    FOR parent IN SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
                  WHERE c.relnamespace = 'public'::regnamespace
                    AND c.relname IN ('sensor_readings', 'battery_readings', 'equipment_state_history') LOOP
        FOR d IN SELECT generate_series(current_date - days_back, current_date + days_ahead, interval '1 day')::date LOOP
            name := parent || '_p' || to_char(d, 'YYYYMMDD');
            IF to_regclass(name) IS NULL THEN
                BEGIN
                    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
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