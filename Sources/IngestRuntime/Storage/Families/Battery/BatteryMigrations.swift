import IngestCore

/// The battery family's table: one wide row per record, key (battery, ts).
enum BatteryMigrations {
    static let readings = Migration(version: 4, name: "battery readings") { layout, storage in
        Migration.timePartitioned("battery_readings", column: "ts", columns: """
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
            """, layout: layout, storage: storage) + Migration.grants(["battery_readings"])
    }
}
