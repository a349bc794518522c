import IngestCore
import PostgresClient

/// Writes one batch — every family's rows, the dead letters and the alert changes — in one
/// transaction over one connection, through each family's table writer. One per connection.
final class BatchWriter {
    let connection: PostgresConnection
    private let tables: FamilyTables

    /// A dead letter already stored (same `DeadLetter.key`: a replay, a retried batch) is
    /// not stored again.
    static let deadLetterInsert = """
        INSERT INTO dead_letters (received_at, topic, family, reason_code, reason, payload, payload_size, message_key)
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::int4[],
                             $8::int8[])
        ON CONFLICT (message_key) DO NOTHING
        """

    init(connection: PostgresConnection, method: IngestConfig.WriteMethod) {
        self.connection = connection
        tables = FamilyTables(method: method)
    }

    /// Writes and commits; returns what the commit changed that must be published. On error
    /// the transaction is rolled back and the error thrown.
    func write(_ batch: Batch) throws(PostgresError) -> [CommitEffect] {
        for rows in batch.tables { try tables.prepare(rows, on: connection) }
        try connection.execute("BEGIN")
        do throws(PostgresError) {
            var effects: [CommitEffect] = []
            for rows in batch.tables { effects += try tables.write(rows, on: connection) }
            if !batch.deadLetters.isEmpty {
                try connection.execute(Self.deadLetterInsert, BatchEncoding.deadLetterArrays(batch.deadLetters))
            }
            if !batch.alerts.isEmpty { effects += try AlertTableWriter().write(batch.alerts, on: connection) }
            try connection.execute("COMMIT")
            return effects
        } catch {
            if connection.isHealthy { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
    }
}
