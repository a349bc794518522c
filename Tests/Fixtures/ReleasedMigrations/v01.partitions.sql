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
) PARTITION BY RANGE (ts);
-- catches what falls outside the daily partitions, so no insert ever fails for want of one
CREATE TABLE sensor_readings_default PARTITION OF sensor_readings DEFAULT;
CREATE INDEX sensor_readings_ts_idx ON sensor_readings (ts DESC);

-- Creates the daily partitions from days_back before today to days_ahead after it.
-- SECURITY DEFINER: the writer role may add partitions without owning the table.
CREATE FUNCTION ingestd_ensure_partitions(days_back int, days_ahead int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $fn$
DECLARE
    d date;
    created int := 0;
    name text;
BEGIN
    FOR d IN SELECT generate_series(current_date - days_back, current_date + days_ahead, interval '1 day')::date LOOP
        name := 'sensor_readings_p' || to_char(d, 'YYYYMMDD');
        IF to_regclass(name) IS NULL THEN
            BEGIN
                EXECUTE format('CREATE TABLE %I PARTITION OF sensor_readings FOR VALUES FROM (%L) TO (%L)',
                               name, d::timestamptz, (d + 1)::timestamptz);
                created := created + 1;
            EXCEPTION WHEN check_violation OR invalid_object_definition THEN
                -- rows for that day already sit in the default partition: leave them there
                RAISE NOTICE 'partition % not created: %', name, SQLERRM;
            END;
        END IF;
    END LOOP;
    RETURN created;
END
$fn$;
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