import IngestCore

/// The machine-event family's table. Keyed by (machine, event_id) since version 13 (event_id
/// alone before): an update may move an event's time, so the table is a plain one (a
/// hypertable's unique key must hold its time column).
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

    /// Version 13: an event is owned by the machine whose topic stored it. The key becomes
    /// (machine, event_id): a message on another machine's topic with the same event_id is
    /// that machine's own event, and can no longer rewrite this one. Every stored row stays
    /// (event_id was unique, so (machine, event_id) is too); the reader functions group by
    /// machine and read no key, so they stay as they are. The (machine, event_time) index is
    /// kept for the per-machine range scans.
    static let ownedByMachine = Migration(version: 13, name: "machine events keyed by machine and event_id") { _, _ in
        """
        ALTER TABLE machine_events DROP CONSTRAINT machine_events_pkey;
        ALTER TABLE machine_events ADD CONSTRAINT machine_events_pkey PRIMARY KEY (machine, event_id);
        """
    }
}
