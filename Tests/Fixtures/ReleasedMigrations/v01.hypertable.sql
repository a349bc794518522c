CREATE TABLE sensor_readings (
    ts          timestamptz      NOT NULL,
    device      text             NOT NULL,
    metric      text             NOT NULL,
    value       double precision NOT NULL,
    unit        text,
    quality     text,
    seq         bigint,
    site        text,
    line        text,
    received_at timestamptz      NOT NULL,
    -- the natural key; it holds the time column, as hypertables and partitions require
    PRIMARY KEY (device, metric, ts)
);
SELECT create_hypertable('sensor_readings', 'ts',
       chunk_time_interval => INTERVAL '86400 seconds');
CREATE TABLE dead_letters (
    id           bigserial   PRIMARY KEY,
    received_at  timestamptz NOT NULL,
    topic        text        NOT NULL,
    family       text        NOT NULL,
    reason_code  text        NOT NULL,
    reason       text        NOT NULL,
    payload      bytea       NOT NULL,
    payload_size integer     NOT NULL
);
CREATE INDEX dead_letters_received_at_idx ON dead_letters (received_at);