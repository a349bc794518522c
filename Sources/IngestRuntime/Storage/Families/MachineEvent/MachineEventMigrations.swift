import IngestCore

/// The machine-event family's table. Keyed by event_id alone: an update may move an event's
/// time, so the table is a plain one (a hypertable's unique key must hold its time column).
enum MachineEventMigrations {
    /// Version 6 (released: frozen as it shipped; never edit).
    static let events = Migration(version: 6, name: "machine events") { _, _ in
        #"""
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
        """#
    }
}
