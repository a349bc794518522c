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