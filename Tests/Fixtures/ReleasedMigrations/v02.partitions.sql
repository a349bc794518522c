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