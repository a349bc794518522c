import IngestCore

/// The equipment-state family's tables: every change in the history, one current row per
/// equipment.
enum EquipmentStateMigrations {
    /// Version 5 (released: frozen as it shipped; never edit).
    static let tables = Migration(version: 5, name: "equipment state history and current state") { layout, storage in
        switch layout {
        case .hypertable:
            #"""
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
                   chunk_time_interval => INTERVAL '\#(storage.chunkInterval.components.seconds) seconds');
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
            """#
        case .partitions:
            #"""
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
            ) PARTITION BY RANGE (changed_at);
            CREATE TABLE equipment_state_history_default PARTITION OF equipment_state_history DEFAULT;
            CREATE INDEX equipment_state_history_changed_at_idx ON equipment_state_history (changed_at DESC);
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
            """#
        }
    }

    /// Version 14: the current state is keyed on the identity levels the route captures,
    /// (site, line, equipment), a level the route does not capture being NULL as before and
    /// '' in the key — so `press1` of two sites is two rows, and a unique index on
    /// expressions is what `ON CONFLICT` names. Every row stays (equipment was unique, so the
    /// triple is too); `equipment_state_now` reads the same columns and stays as it is.
    ///
    /// The alerts' identity gains the site and line the same way: `alerts.line` (an
    /// equipment's alerts from before take the line of its current state; NULL for series
    /// without one), the primary key (rule, device, metric, raised_at) becomes a unique index
    /// on (rule, site, line, device, metric, raised_at), and the one-open-alert index takes
    /// the site and line too, so `press1` of two sites can each have its alert open.
    /// `alerts_open` shows the line, as its last column.
    static let currentByIdentity = Migration(version: 14, name: "equipment current state and open alerts keyed on site, line and equipment") { _, _ in
        """
        ALTER TABLE equipment_state_current DROP CONSTRAINT equipment_state_current_pkey;
        CREATE UNIQUE INDEX equipment_state_current_identity_idx
            ON equipment_state_current ((coalesce(site, '')), (coalesce(line, '')), equipment);

        ALTER TABLE alerts ADD COLUMN line text;
        -- An equipment's alerts from before name no line: take the line of its current state
        -- (one row per equipment until now), so that they stay its alerts.
        UPDATE alerts a SET line = c.line
        FROM equipment_state_current c
        WHERE a.family = 'equipment_state' AND a.device = c.equipment AND a.site IS NOT DISTINCT FROM c.site;
        ALTER TABLE alerts DROP CONSTRAINT alerts_pkey;
        CREATE UNIQUE INDEX alerts_identity_idx
            ON alerts (rule, (coalesce(site, '')), (coalesce(line, '')), device, metric, raised_at);
        DROP INDEX alerts_one_open_idx;
        CREATE UNIQUE INDEX alerts_one_open_idx
            ON alerts (rule, (coalesce(site, '')), (coalesce(line, '')), device, metric) WHERE cleared_at IS NULL;
        CREATE OR REPLACE VIEW alerts_open AS
        SELECT a.severity, a.rule, a.kind, a.family, a.site, a.device, a.metric, a.value, a.threshold,
               a.raised_at, now() - a.raised_at AS open_for, a.detail, a.line
        FROM alerts a WHERE a.cleared_at IS NULL
        ORDER BY a.raised_at DESC;
        """
    }

    /// Version 16: the history is keyed on the identity levels too, (site, line, equipment,
    /// changed_at, source), so a change of `press1` of site B with the same changed_at and
    /// source as site A's is a row of its own instead of a duplicate (or a correction) of A's.
    /// A unique key of a natively partitioned table must hold the partition column and no
    /// expression, and a TimescaleDB unique index must hold the time column: both hold for a
    /// `UNIQUE NULLS NOT DISTINCT` constraint on the stored columns (PostgreSQL 15), which
    /// counts a level the route does not capture (NULL) as one value, as the key needs, and
    /// keeps the stored values as they are. Every row stays ((equipment, changed_at, source)
    /// was unique, so the wider key is too); the same SQL on both layouts, partitions and
    /// chunks (compressed ones too) taking the constraint from the parent.
    static let historyByIdentity = Migration(version: 16, name: "equipment state history keyed on site, line, equipment, changed_at and source") { _, _ in
        """
        ALTER TABLE equipment_state_history DROP CONSTRAINT equipment_state_history_pkey;
        ALTER TABLE equipment_state_history ADD CONSTRAINT equipment_state_history_identity_key
            UNIQUE NULLS NOT DISTINCT (site, line, equipment, changed_at, source);
        """
    }
}
