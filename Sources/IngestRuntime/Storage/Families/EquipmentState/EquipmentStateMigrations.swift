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
}
