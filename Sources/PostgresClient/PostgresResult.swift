internal import CLibPQ

/// The rows of a finished statement, read as text. Owns its `PGresult`.
public final class PostgresResult {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { PQclear(handle) }

    public var rowCount: Int { Int(PQntuples(handle)) }
    public var columnCount: Int { Int(PQnfields(handle)) }

    /// Rows changed by an INSERT/UPDATE/DELETE, from `PQcmdTuples`.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// The text value at (row, column), nil for SQL NULL.
    public func value(_ row: Int, _ column: Int) -> String? {
        if PQgetisnull(handle, Int32(row), Int32(column)) != 0 { return nil }
        return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    /// All rows as text, for small administrative queries and tests.
    public var rows: [[String?]] {
        (0..<rowCount).map { r in (0..<columnCount).map { value(r, $0) } }
    }
}
