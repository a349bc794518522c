import IngestCore
import PostgresClient

/// Writes sensor readings by the configured method. A duplicate never becomes a second row
/// (ON CONFLICT on the natural key); a correction (other value, unit or quality, received
/// not earlier) replaces the row — the same rule as `SensorReading.content` in the window.
/// Lives as long as its connection (`BatchWriter` makes one per connection).
final class SensorTableWriter: TableWriter {
    let method: IngestConfig.WriteMethod
    /// Whether this connection's session holds the staging table.
    private var stagingReady = false

    init(method: IngestConfig.WriteMethod) { self.method = method }

    static let onConflict = """
        ON CONFLICT (device, metric, ts) DO UPDATE SET
            value = EXCLUDED.value, unit = EXCLUDED.unit, quality = EXCLUDED.quality, seq = EXCLUDED.seq,
            site = EXCLUDED.site, line = EXCLUDED.line, received_at = EXCLUDED.received_at
        WHERE (r.value, r.unit, r.quality) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.unit, EXCLUDED.quality)
          AND EXCLUDED.received_at >= r.received_at
        """

    static let unnestInsert = """
        INSERT INTO sensor_readings AS r (\(BatchEncoding.readingColumns))
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[],
                             $7::int8[], $8::text[], $9::text[], $10::timestamptz[])
        \(onConflict)
        """

    static let stagingInsert = """
        INSERT INTO sensor_readings AS r (\(BatchEncoding.readingColumns))
        SELECT \(BatchEncoding.readingColumns) FROM sensor_readings_stage
        \(onConflict)
        """

    /// Outside the transaction, so that a rolled-back batch does not take the staging table
    /// with it. ON COMMIT DELETE ROWS empties it at every commit; it lives as long as the session.
    func prepare(on connection: PostgresConnection) throws(PostgresError) {
        guard method == .copy, !stagingReady else { return }
        try connection.execute("""
            CREATE TEMP TABLE IF NOT EXISTS sensor_readings_stage
                (LIKE sensor_readings INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
            """)
        stagingReady = true
    }

    func write(_ rows: Rows<SensorReading>, on connection: PostgresConnection) throws(PostgresError) -> [CommitEffect] {
        let readings = rows.recordsWithUniqueKeys
        switch method {
        case .copy:
            try connection.copyIn("COPY sensor_readings_stage (\(BatchEncoding.readingColumns)) FROM STDIN (FORMAT binary)",
                                  data: BatchEncoding.copyStream(readings))
            try connection.execute(Self.stagingInsert)
        case .unnest:
            try connection.execute(Self.unnestInsert, BatchEncoding.arrays(readings))
        }
        return []
    }
}
