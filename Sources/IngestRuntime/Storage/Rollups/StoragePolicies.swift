import IngestCore
import PostgresClient

/// The TimescaleDB jobs that follow the config: the rollups' refresh policies
/// (`storage.rollup_refresh`), compression (`storage.compress_after`) and retention
/// (`storage.retention`). Applied by the migrator at every `ingestd migrate` and start, so
/// that a changed config takes effect: each policy is removed (if it exists) and added again
/// as configured, in one transaction. On native partitions there are no jobs: ingestd's
/// `RollupRefresher` refreshes the rollups and drops old partitions itself, as the writer,
/// through functions that drop nothing newer than the retention recorded here by the owner
/// (`ingestd_storage_policy`, `LeastPrivilege`).
enum StoragePolicies {
    /// The raw tables compressed and retained, with the column their compression is segmented by.
    static let rawTables = [("sensor_readings", "device"), ("battery_readings", "battery"), ("equipment_state_history", "equipment")]

    static func interval(_ d: Duration) -> String { "INTERVAL '\(d.components.seconds) seconds'" }

    /// The SQL that sets every job as `storage` says, or records the retention on native
    /// partitions.
    static func sql(layout: StorageLayout, storage: IngestConfig.Storage) -> String {
        guard layout == .hypertable else {
            return "UPDATE ingestd_storage_policy SET retention = \(storage.retention.map(interval) ?? "NULL");"
        }
        var sql: [String] = []
        let schedule = interval(storage.rollupRefresh)
        // Refreshing a range whose raw chunks were dropped would empty its buckets: the
        // refresh stops at the retention horizon (none: every invalidated range).
        let start = storage.retention.map(interval) ?? "NULL::interval"
        for shape in RollupShape.all {
            for width in RollupShape.Width.allCases {
                let cagg = shape.storage(width, .hypertable)
                sql.append("""
                    SELECT remove_continuous_aggregate_policy('\(cagg)', if_exists => true);
                    SELECT add_continuous_aggregate_policy('\(cagg)', start_offset => \(start),
                           end_offset => \(width.interval), schedule_interval => \(schedule));
                    """)
            }
        }
        for (table, segment) in rawTables {
            sql.append("SELECT remove_compression_policy('\(table)', if_exists => true);")
            if let after = storage.compressAfter {
                // Segmenting is set once: it cannot change while chunks are compressed.
                sql.append("""
                    DO $c$ BEGIN
                        IF NOT (SELECT compression_enabled FROM timescaledb_information.hypertables
                                WHERE hypertable_schema = 'public' AND hypertable_name = '\(table)') THEN
                            ALTER TABLE \(table) SET (timescaledb.compress, timescaledb.compress_segmentby = '\(segment)');
                        END IF;
                    END $c$;
                    SELECT add_compression_policy('\(table)', compress_after => \(interval(after)));
                    """)
            }
            sql.append("SELECT remove_retention_policy('\(table)', if_exists => true);")
            if let retention = storage.retention {
                sql.append("SELECT add_retention_policy('\(table)', drop_after => \(interval(retention)));")
            }
        }
        return sql.joined(separator: "\n")
    }

    /// Sets the jobs on `connection`, in one transaction.
    static func apply(layout: StorageLayout, storage: IngestConfig.Storage, on connection: PostgresConnection) throws {
        let sql = sql(layout: layout, storage: storage)
        try connection.execute("BEGIN")
        do {
            try connection.execute(sql)
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw MigrationError.policies(underlying: "\(error)")
        }
    }
}
