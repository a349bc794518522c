CREATE TABLE battery_readings (
    ts          timestamptz      NOT NULL,
    battery     text             NOT NULL,
    site        text,
    voltage     double precision,
    current     double precision,
    temperature double precision,
    soc         double precision,
    soh         double precision,
    cycles      bigint,
    seq         bigint,
    extra       jsonb,
    received_at timestamptz      NOT NULL,
    PRIMARY KEY (battery, ts)
);
SELECT create_hypertable('battery_readings', 'ts',
       chunk_time_interval => INTERVAL '86400 seconds');GRANT SELECT ON battery_readings TO ingestd_reader;
GRANT SELECT, INSERT, UPDATE ON battery_readings TO ingestd_writer;