import IngestCore
import PostgresClient

/// Where readings are stored.
public enum StorageLayout: String, Sendable {
    /// TimescaleDB hypertables.
    case hypertable
    /// Native PostgreSQL range partitions by day, created ahead by ingestd.
    case partitions
}

extension StorageLayout {
    /// The layout the first migration recorded; an error naming `ingestd migrate` when the
    /// database has no ingestd schema yet.
    static func recorded(on connection: PostgresConnection) throws -> StorageLayout {
        guard let text = try connection.execute("SELECT layout FROM ingestd_migrations WHERE version = 1").rows.first?[0] ?? nil,
              let layout = StorageLayout(rawValue: text) else {
            throw PostgresError(call: "ingestd", message: "the database has no ingestd schema yet; run `ingestd migrate`")
        }
        return layout
    }
}

/// One versioned schema change, shipped inside the binary.
struct Migration: Sendable {
    let version: Int
    let name: String
    /// The SQL for a layout; one transaction.
    let sql: @Sendable (StorageLayout, IngestConfig.Storage) -> String

    /// Every migration, in order (the registry is `FamilyTables.migrations`). Never edit a
    /// released one: add a new version. Each holds its SQL as literal text, per layout (config
    /// values such as the chunk interval aside), never built from lists or helpers that a later
    /// change would alter: a database migrated then and one migrated now end up the same
    /// (`ReleasedMigrationsTests` holds versions 1–11 to the SQL they shipped with).
    static var all: [Migration] { FamilyTables.migrations }

    /// Version 2 (released: never edit): the reader role (supervisors, dashboards) and the writer role (ingestd).
    /// Roles belong to the cluster, not the database: a role that exists already (made by a
    /// DBA beforehand, or by another ingestd database) is used as it is, so that an owner
    /// without CREATEROLE can migrate. (Edited after release in that alone: a database where
    /// it ran before ends up the same.)
    static let roles =
Migration(version: 2, name: "reader and writer roles") { _, _ in
            """
            DO $roles$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ingestd_reader') THEN
                    BEGIN CREATE ROLE ingestd_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
                END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ingestd_writer') THEN
                    BEGIN CREATE ROLE ingestd_writer NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
                END IF;
            END $roles$;
            GRANT SELECT ON sensor_readings, dead_letters TO ingestd_reader;
            GRANT SELECT, INSERT, UPDATE ON sensor_readings, dead_letters TO ingestd_writer;
            GRANT USAGE ON SEQUENCE dead_letters_id_seq TO ingestd_writer;
            """
        }

    /// Version 3 (released: frozen as it shipped; never edit): on the native-partition layout,
    /// `ingestd_ensure_partitions` creates the daily partitions of every table partitioned by
    /// day, not only sensor_readings.
    static let dailyPartitions = Migration(version: 3, name: "daily partitions of every partitioned table") { layout, _ in
        switch layout {
        case .hypertable:
            #"""
            SELECT 1
            """#
        case .partitions:
            #"""
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
            """#
        }
    }
}
