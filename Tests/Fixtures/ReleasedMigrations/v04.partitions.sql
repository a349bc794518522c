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
) PARTITION BY RANGE (ts);
CREATE TABLE battery_readings_default PARTITION OF battery_readings DEFAULT;
CREATE INDEX battery_readings_ts_idx ON battery_readings (ts DESC);GRANT SELECT ON battery_readings TO ingestd_reader;
GRANT SELECT, INSERT, UPDATE ON battery_readings TO ingestd_writer;