import IngestCore
import PostgresClient

/// Writes one batch in one transaction over one connection, by the configured method.
/// Duplicates never become a second row: ON CONFLICT on the natural key; a correction (other
/// value, unit or quality) received later replaces the row.
final class SensorBatchWriter {
    let connection: PostgresConnection
    let method: IngestConfig.WriteMethod
    private var stagingReady = false

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

    static let deadLetterInsert = """
        INSERT INTO dead_letters (received_at, topic, family, reason_code, reason, payload, payload_size)
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::int4[])
        """

    init(connection: PostgresConnection, method: IngestConfig.WriteMethod) {
        self.connection = connection
        self.method = method
    }

    /// Writes and commits; on error the transaction is rolled back and the error thrown.
    func write(_ batch: Batch) throws(PostgresError) {
        let readings = batch.readingsWithUniqueKeys
        // Outside the transaction, so a rolled-back batch does not take the staging table with it.
        if method == .copy && !readings.isEmpty { try prepareStaging() }
        try connection.execute("BEGIN")
        do throws(PostgresError) {
            if !readings.isEmpty {
                switch method {
                case .copy:
                    try connection.copyIn("COPY sensor_readings_stage (\(BatchEncoding.readingColumns)) FROM STDIN (FORMAT binary)",
                                          data: BatchEncoding.copyStream(readings))
                    try connection.execute(Self.stagingInsert)
                case .unnest:
                    try connection.execute(Self.unnestInsert, BatchEncoding.arrays(readings))
                }
            }
            if !batch.deadLetters.isEmpty {
                try connection.execute(Self.deadLetterInsert, BatchEncoding.deadLetterArrays(batch.deadLetters))
            }
            try connection.execute("COMMIT")
        } catch {
            if connection.isHealthy { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
    }

    private func prepareStaging() throws(PostgresError) {
        guard !stagingReady else { return }
        // ON COMMIT DELETE ROWS empties it at every commit; it lives as long as the connection.
        try connection.execute("""
            CREATE TEMP TABLE IF NOT EXISTS sensor_readings_stage
                (LIKE sensor_readings INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
            """)
        stagingReady = true
    }
}
