CREATE TABLE equipment_state_history (
    changed_at  timestamptz NOT NULL,
    equipment   text        NOT NULL,
    source      text        NOT NULL,
    state       text        NOT NULL,
    worker      text,
    seq         bigint,
    site        text,
    line        text,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (equipment, changed_at, source)
);
SELECT create_hypertable('equipment_state_history', 'changed_at',
       chunk_time_interval => INTERVAL '86400 seconds');
CREATE TABLE equipment_state_current (
    equipment   text        PRIMARY KEY,
    state       text        NOT NULL,
    changed_at  timestamptz NOT NULL,
    source      text        NOT NULL,
    seq         bigint,
    worker      text,
    site        text,
    line        text,
    received_at timestamptz NOT NULL
);
CREATE INDEX equipment_state_current_site_line_idx ON equipment_state_current (site, line);GRANT SELECT ON equipment_state_history, equipment_state_current TO ingestd_reader;
GRANT SELECT, INSERT, UPDATE ON equipment_state_history, equipment_state_current TO ingestd_writer;