import IngestCore

/// The battery family's table: one wide row per record, key (battery, ts).
enum BatteryMigrations {
    /// Version 4 (released: frozen as it shipped; never edit).
    static let readings = Migration(version: 4, name: "battery readings") { layout, storage in
        switch layout {
        case .hypertable:
            #"""
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
            );
            SELECT create_hypertable('battery_readings', 'ts',
                   chunk_time_interval => INTERVAL '\#(storage.chunkInterval.components.seconds) seconds');GRANT SELECT ON battery_readings TO ingestd_reader;
            GRANT SELECT, INSERT, UPDATE ON battery_readings TO ingestd_writer;
            """#
        case .partitions:
            #"""
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
            """#
        }
    }
}
