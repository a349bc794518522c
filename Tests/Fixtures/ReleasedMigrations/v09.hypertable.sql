CREATE TABLE alerts (
    rule text NOT NULL,
    kind text NOT NULL,
    severity text NOT NULL,
    family text NOT NULL,
    site text,
    device text NOT NULL,
    metric text NOT NULL DEFAULT '',
    value double precision,
    threshold double precision,
    raised_at timestamptz NOT NULL,
    cleared_at timestamptz,
    clear_value double precision,
    detail text,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rule, device, metric, raised_at)
);
CREATE UNIQUE INDEX alerts_one_open_idx ON alerts (rule, device, metric) WHERE cleared_at IS NULL;
CREATE INDEX alerts_raised_at_idx ON alerts (raised_at DESC);

-- The alerts open now, newest first.
CREATE VIEW alerts_open AS
SELECT a.severity, a.rule, a.kind, a.family, a.site, a.device, a.metric, a.value, a.threshold,
       a.raised_at, now() - a.raised_at AS open_for, a.detail
FROM alerts a WHERE a.cleared_at IS NULL
ORDER BY a.raised_at DESC;

GRANT SELECT ON alerts, alerts_open TO ingestd_reader;
GRANT SELECT, INSERT, UPDATE ON alerts TO ingestd_writer;