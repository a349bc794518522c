import IngestCore

/// Version 11: each role gets what it needs and no more.
///
/// - `ingestd_writer` (what the daemon's login is granted): SELECT, INSERT and UPDATE on the
///   tables it writes (`writerTables`), the dead letters' sequence, SELECT on
///   `ingestd_migrations` (the recorded layout), TEMPORARY on the database (the COPY staging
///   table), and EXECUTE on the functions of the native-partition layout it calls
///   (`writerFunctions`). No DELETE, no TRUNCATE, no CREATE in the schema, no ownership.
/// - `ingestd_reader`: SELECT on the tables and views readers see, and nothing else.
/// - Every SECURITY DEFINER function in `public` is not executable by PUBLIC and runs with
///   `search_path = public, pg_temp` (pg_temp last: a caller's temporary table cannot stand
///   in for one of ours). Those the writer calls check their arguments
///   (`Migration.ensurePartitionsHardened`, `RollupMigrations.refreshFunction(hardened:)`,
///   `RollupMigrations.retentionFunction(hardened:)`): a writer cannot make partitions far
///   from today, nor drop or let go of data the owner's config keeps
///   (`ingestd_storage_policy`, set by `StoragePolicies` at every migrate).
/// - CREATE on schema `public` is revoked from PUBLIC (PostgreSQL 15's default; a database
///   made before keeps the old one), when the migrating role owns the schema.
///
/// A later migration that makes a SECURITY DEFINER function must do the same for it
/// (`hardenSecurityDefiners`); the integration tests check every such function in `public`.
enum LeastPrivilege {
    /// The most pending rows one `ingestd_refresh_rollups` call takes.
    static let maxRefreshRows = 100_000
    /// The widest window `ingestd_ensure_partitions` accepts, in days before and after today.
    static let maxPartitionDaysBack = 400
    static let maxPartitionDaysAhead = 31

    /// The tables the daemon writes: SELECT (ON CONFLICT … WHERE and RETURNING read them),
    /// INSERT and UPDATE.
    static let writerTables = ["sensor_readings", "battery_readings", "equipment_state_history", "equipment_state_current",
                               "machine_events", "dead_letters", "alerts"]

    /// What `ingestd_reader` reads on every layout (the rollup views are added by layout).
    static let readerRelations = ["sensor_readings", "battery_readings", "equipment_state_history", "equipment_state_current",
                                  "machine_events", "dead_letters", "alerts", "alerts_open", "equipment_state_now",
                                  "battery_latest", "battery_health_daily"]

    /// The functions the writer calls on the native-partition layout (none on TimescaleDB).
    static let writerFunctions = ["ingestd_ensure_partitions(int, int)", "ingestd_refresh_rollups(timestamptz, int)",
                                  "ingestd_drop_partitions_before(timestamptz)"]

    static let migration = Migration(version: 11, name: "least privilege") { layout, _ in
        let rollupViews = RollupShape.all.flatMap { shape in RollupShape.Width.allCases.map { shape.view($0) } }
        let functions = layout == .partitions ? """
            -- The owner's retention (StoragePolicies writes it at every migrate), which bounds
            -- what the writer's calls may drop or let go of. One row; NULL: kept forever.
            CREATE TABLE ingestd_storage_policy (
                only_row  boolean  PRIMARY KEY DEFAULT true CHECK (only_row),
                retention interval
            );
            INSERT INTO ingestd_storage_policy (retention) VALUES (NULL);

            \(Migration.ensurePartitionsHardened)

            \(RollupMigrations.refreshFunction(hardened: true))

            \(RollupMigrations.retentionFunction(hardened: true))

            GRANT EXECUTE ON FUNCTION \(writerFunctions.joined(separator: ", ")) TO ingestd_writer;
            """ : ""
        return """
        \(revokeEverything)

        GRANT SELECT, INSERT, UPDATE ON \(writerTables.joined(separator: ", ")) TO ingestd_writer;
        GRANT USAGE ON SEQUENCE dead_letters_id_seq TO ingestd_writer;
        GRANT SELECT ON ingestd_migrations TO ingestd_writer;
        GRANT SELECT ON \((readerRelations + rollupViews).joined(separator: ", ")) TO ingestd_reader;
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

        \(functions)

        \(hardenSecurityDefiners)
        """
    }

    /// Takes every privilege the two roles hold on what the migrating role owns in `public`
    /// (tables, views, sequences, functions; not an extension's), so that the grants that
    /// follow are all they have.
    static let revokeEverything = """
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
        """

    /// Every SECURITY DEFINER function in `public` that the migrating role owns: not
    /// executable by PUBLIC, `search_path = public, pg_temp`. Those some role needs are granted
    /// to it by name. A later migration that makes one appends this.
    static let hardenSecurityDefiners = """
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
        """
}

extension Migration {
    /// `ingestd_ensure_partitions(days_back, days_ahead)` as version 11 replaces it: the same
    /// work (`dailyPartitions`), refused unless 0 ≤ days_back ≤ `maxPartitionDaysBack` and
    /// 0 ≤ days_ahead ≤ `maxPartitionDaysAhead`, names qualified with `public`.
    static var ensurePartitionsHardened: String {
        """
        CREATE OR REPLACE FUNCTION ingestd_ensure_partitions(days_back int, days_ahead int) RETURNS int
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
        DECLARE
            parent text;
            d date;
            created int := 0;
            name text;
        BEGIN
            IF days_back IS NULL OR days_ahead IS NULL
               OR days_back NOT BETWEEN 0 AND \(LeastPrivilege.maxPartitionDaysBack)
               OR days_ahead NOT BETWEEN 0 AND \(LeastPrivilege.maxPartitionDaysAhead) THEN
                -- not a data error (class 22): the writer would take its batch for bad rows
                RAISE EXCEPTION 'ingestd_ensure_partitions(%, %): days_back must be 0 to \(LeastPrivilege.maxPartitionDaysBack) and days_ahead 0 to \(LeastPrivilege.maxPartitionDaysAhead)',
                                days_back, days_ahead;
            END IF;
            FOR parent IN SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
                          WHERE c.relnamespace = 'public'::regnamespace
                            AND c.relname IN ('\(FamilyTables.partitionedTables.joined(separator: "', '"))') LOOP
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
        """
    }
}
