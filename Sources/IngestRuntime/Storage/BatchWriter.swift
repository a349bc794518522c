import IngestCore
import PostgresClient

/// Writes one batch — every family's rows, the dead letters and the alert changes — in one
/// transaction over one connection, through each family's table writer. One per connection.
final class BatchWriter {
    let connection: PostgresConnection
    private let tables: FamilyTables
    /// The refusal search writes parts of a batch inside one transaction: by unnest, which
    /// keeps no session state (the COPY path's staging table empties only at commit).
    private let searchTables = FamilyTables(method: .unnest)

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

    /// What a refusal search committed and what it found refused.
    struct SearchOutcome {
        /// The parts written, with what each changed, committed together.
        var written: [(part: Batch, effects: [CommitEffect])] = []
        var refused: [(entry: Batch, error: any Error)] = []
        /// Writes the search made (parts tried).
        var steps = 0
    }

    /// A savepoint the database would not roll back to: the transaction is lost, not the data's fault.
    struct SavepointLost: Error, CustomStringConvertible {
        var error: PostgresError
        var description: String { "could not roll back to the refusal search's savepoint: \(error)" }
    }

    /// Finds the entries of `batch` (rows and dead letters, not its alerts) that the database
    /// refuses for their data, after the whole batch was refused with `wholeRefused`: one
    /// transaction, each part the search tries under a savepoint (rolled back when refused),
    /// one commit at the end — so a search of thousands of parts costs two round trips a
    /// part, not thousands of synchronous commits. `step` runs before every part (the writer's
    /// heartbeat). Throws any error that is not a refusal; nothing is then committed.
    func searchRefusals(_ batch: Batch, wholeRefused: any Error, isRefusal: (any Error) -> Bool,
                        step: () -> Void) throws -> SearchOutcome {
        var outcome = SearchOutcome()
        // One savepoint, always established: after a part is written it is released and set
        // again in one round trip; after a refusal the rollback to it leaves it established.
        try connection.execute("BEGIN; SAVEPOINT refusal_search")
        do {
            outcome.refused = try RefusalSearch.run(batch, write: { part in
                step()
                outcome.steps += 1
                do throws(PostgresError) {
                    var effects: [CommitEffect] = []
                    for rows in part.tables { effects += try searchTables.write(rows, on: connection) }
                    if !part.deadLetters.isEmpty {
                        try connection.execute(Self.deadLetterInsert, BatchEncoding.deadLetterArrays(part.deadLetters))
                    }
                    try connection.execute("RELEASE SAVEPOINT refusal_search; SAVEPOINT refusal_search")
                    outcome.written.append((part, effects))
                } catch {
                    if connection.isHealthy {
                        do throws(PostgresError) {
                            try connection.execute("ROLLBACK TO SAVEPOINT refusal_search")
                        } catch {
                            throw SavepointLost(error: error)
                        }
                    }
                    throw error
                }
            }, isRefusal: isRefusal, wholeRefused: wholeRefused)
            try connection.execute("COMMIT")
            return outcome
        } catch {
            if connection.isHealthy { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
    }
}
