CREATE TABLE machine_events (
    event_id      text        PRIMARY KEY,
    machine       text        NOT NULL,
    site          text,
    line          text,
    event_time    timestamptz NOT NULL,
    duration_ms   bigint      NOT NULL,
    defect_count  integer     NOT NULL,
    received_time timestamptz NOT NULL,
    received_at   timestamptz NOT NULL
);
CREATE INDEX machine_events_machine_time_idx ON machine_events (machine, event_time);
CREATE INDEX machine_events_time_idx ON machine_events (event_time);GRANT SELECT ON machine_events TO ingestd_reader;
GRANT SELECT, INSERT, UPDATE ON machine_events TO ingestd_writer;