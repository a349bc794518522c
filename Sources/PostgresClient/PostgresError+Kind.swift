extension PostgresError {
    /// Whether an error is the data's fault, or the database's state's.
    public enum Kind: Equatable, Sendable {
        /// The server refused these rows for what they hold. The same rows would be refused
        /// again, so they must leave the batch (as dead letters) for the rest to land.
        case data
        /// The database cannot take any write now: the connection, the server, its disk, its
        /// configuration or the schema. The same rows may land later: hold them and retry.
        case retryable
    }

    /// What kind of error this is (`kind(ofSQLState:)` of the SQLSTATE). An error without a
    /// SQLSTATE comes from libpq, not the server (a lost connection): retryable.
    public var kind: Kind { Self.kind(ofSQLState: sqlState) }

    /// Data errors are SQLSTATE classes 21 (cardinality violation: one statement touching the
    /// same row twice, two versions of one key in a batch), 22 (data exception: a value out of
    /// range, a string too long, invalid UTF-8, a NUL byte), 23 (integrity constraint
    /// violation: a CHECK, NOT NULL or unique constraint a DBA added) and 54 (program limit
    /// exceeded: 54000 "row is too big" or "index row size exceeds maximum", 54001 stack depth
    /// on a deeply nested value). Classes 21 and 54 count as data although they are not about
    /// one value, because what one batch holds causes them: they do not go away with time, and
    /// retrying them would hold every later message forever, while the refusal search splits
    /// the batch and lands the parts that can land (both copies of a key, apart; the rows that
    /// fit).
    ///
    /// Everything else is retryable, because what causes it is outside the rows and an operator
    /// or time can fix it: connection exceptions (class 08), a read-only transaction after a
    /// failover onto a standby (25006), insufficient resources (class 53: disk full 53100, out
    /// of memory 53200, too many connections 53300), privileges (42501) and the rest of class
    /// 42 (a table or column missing until `ingestd migrate` runs), statement or lock timeouts
    /// and query cancels (57014, 55P03), shutdowns (57P01 to 57P03), serialization failures
    /// and deadlocks (class 40), a feature not supported (0A000: a cached plan after a schema
    /// change, an insert into a compressed chunk on an old TimescaleDB), corrupted data on the
    /// server (class XX) and a trigger's plain `RAISE EXCEPTION` (P0001). A trigger meant to refuse rows should raise a class 22 or 23
    /// code (`USING ERRCODE = 'check_violation'`) to make them dead letters instead.
    public static func kind(ofSQLState state: String?) -> Kind {
        guard let state, state.utf8.count == 5 else { return .retryable }
        switch state.prefix(2) {
        case "21", "22", "23", "54": return .data
        default: return .retryable
        }
    }
}
