import IngestCore

/// The equipment-state family's tables: every change in the history, one current row per
/// equipment.
enum EquipmentStateMigrations {
    static let tables = Migration(version: 5, name: "equipment state history and current state") { layout, storage in
        Migration.timePartitioned("equipment_state_history", column: "changed_at", columns: """
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
            """, layout: layout, storage: storage) + """

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
            CREATE INDEX equipment_state_current_site_line_idx ON equipment_state_current (site, line);
            """ + Migration.grants(["equipment_state_history", "equipment_state_current"])
    }
}
