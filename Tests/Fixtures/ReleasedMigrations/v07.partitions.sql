-- `ingestd query … --site S` on a long range: without these a rare site reads the whole
-- range through the time index. Both tables take few writes next to the readings.
CREATE INDEX equipment_state_history_site_changed_at_idx ON equipment_state_history (site, changed_at);
CREATE INDEX machine_events_site_event_time_idx ON machine_events (site, event_time);

-- The state every piece of equipment is in now, by site and line.
CREATE VIEW equipment_state_now AS
SELECT c.site, c.line, c.equipment, c.state, c.changed_at, c.worker, c.source,
       c.changed_at AS since, now() - c.changed_at AS age
FROM equipment_state_current c
ORDER BY c.site, c.line, c.equipment;

-- Every state change in [since, until).
CREATE FUNCTION equipment_state_history_between(since timestamptz, until timestamptz)
RETURNS TABLE (changed_at timestamptz, site text, line text, equipment text, state text,
               worker text, source text, seq bigint, received_at timestamptz)
LANGUAGE sql STABLE AS $fn$
    SELECT h.changed_at, h.site, h.line, h.equipment, h.state, h.worker, h.source, h.seq, h.received_at
    FROM equipment_state_history h
    WHERE h.changed_at >= $1 AND h.changed_at < $2
$fn$;

-- Per machine, the events whose event_time is in [since, until). defect_count = -1 means
-- unknown: such events count in unknown_defect_events and stay out of defects and of
-- defect_rate (defects per event with a known count; null when no event has one).
CREATE FUNCTION machine_summary(since timestamptz, until timestamptz)
RETURNS TABLE (site text, line text, machine text, events bigint, total_duration_ms bigint,
               avg_duration_ms double precision, defects bigint, defect_rate double precision,
               unknown_defect_events bigint)
LANGUAGE sql STABLE AS $fn$
    SELECT e.site, e.line, e.machine,
           count(*),
           sum(e.duration_ms)::bigint,
           avg(e.duration_ms)::double precision,
           coalesce(sum(e.defect_count) FILTER (WHERE e.defect_count >= 0), 0),
           sum(e.defect_count) FILTER (WHERE e.defect_count >= 0)::double precision
               / nullif(count(*) FILTER (WHERE e.defect_count >= 0), 0),
           count(*) FILTER (WHERE e.defect_count < 0)
    FROM machine_events e
    WHERE e.event_time >= $1 AND e.event_time < $2
    GROUP BY e.site, e.line, e.machine
$fn$;

-- The n lines with the most defects in [since, until), most first (ties: the higher rate,
-- then by name); only_site limits them to one site. Unknown counts as in machine_summary.
CREATE FUNCTION top_lines_by_defects(since timestamptz, until timestamptz, n int, only_site text DEFAULT NULL)
RETURNS TABLE (site text, line text, defects bigint, events bigint, defect_rate double precision,
               unknown_defect_events bigint)
LANGUAGE sql STABLE AS $fn$
    SELECT e.site, e.line,
           coalesce(sum(e.defect_count) FILTER (WHERE e.defect_count >= 0), 0) AS known_defects,
           count(*),
           sum(e.defect_count) FILTER (WHERE e.defect_count >= 0)::double precision
               / nullif(count(*) FILTER (WHERE e.defect_count >= 0), 0) AS rate,
           count(*) FILTER (WHERE e.defect_count < 0)
    FROM machine_events e
    WHERE e.event_time >= $1 AND e.event_time < $2 AND ($4 IS NULL OR e.site = $4)
    GROUP BY e.site, e.line
    ORDER BY known_defects DESC, rate DESC NULLS LAST, e.site, e.line
    LIMIT $3
$fn$;

-- The newest reading of every battery. A "loose index scan" walks the (battery, ts)
-- primary key from the last battery down: each step is one probe per chunk or partition
-- and lands on the next battery's newest ts (the key read backwards), index only; the
-- rows are then fetched by their key. So the cost grows with batteries x chunks, not
-- with the rows in the table (DISTINCT ON would sort them all).
CREATE VIEW battery_latest AS
WITH RECURSIVE latest(battery, ts) AS (
    (SELECT r.battery, r.ts FROM battery_readings r ORDER BY r.battery DESC, r.ts DESC LIMIT 1)
    UNION ALL
    SELECT n.battery, n.ts
    FROM latest l
    CROSS JOIN LATERAL (
        SELECT r.battery, r.ts FROM battery_readings r
        WHERE r.battery < l.battery
        ORDER BY r.battery DESC, r.ts DESC
        LIMIT 1
    ) n
)
SELECT r.*
FROM latest l
JOIN battery_readings r ON r.battery = l.battery AND r.ts = l.ts
ORDER BY r.battery;

-- Per site, battery and day (the day in the session's TimeZone) in [since, until).
CREATE FUNCTION battery_health_daily_between(since timestamptz, until timestamptz)
RETURNS TABLE (site text, battery text, day date, avg_soh double precision, min_soh double precision,
               max_soh double precision, avg_temperature double precision, max_cycles bigint,
               readings bigint)
LANGUAGE sql STABLE AS $fn$
    SELECT r.site, r.battery, r.ts::date, avg(r.soh), min(r.soh), max(r.soh), avg(r.temperature),
           max(r.cycles), count(*)
    FROM battery_readings r
    WHERE r.ts >= $1 AND r.ts < $2
    GROUP BY r.site, r.battery, r.ts::date
$fn$;

-- Every day of every battery. A filter on battery or site reaches the primary key; one on
-- day cannot reach the time index: for a range, call battery_health_daily_between.
CREATE VIEW battery_health_daily AS
SELECT * FROM battery_health_daily_between('-infinity', 'infinity');

GRANT SELECT ON equipment_state_now, battery_latest, battery_health_daily TO ingestd_reader;
GRANT EXECUTE ON FUNCTION equipment_state_history_between(timestamptz, timestamptz),
                          machine_summary(timestamptz, timestamptz),
                          top_lines_by_defects(timestamptz, timestamptz, int, text),
                          battery_health_daily_between(timestamptz, timestamptz)
      TO ingestd_reader;