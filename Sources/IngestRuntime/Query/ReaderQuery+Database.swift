import IngestCore
import PostgresClient

extension ReaderQuery {
    /// Runs the query on a new connection to `databaseURL` and returns its rows as text.
    ///
    /// The session is read-only (`default_transaction_read_only`): the reader role needs
    /// nothing more than SELECT and EXECUTE, and a writer's URL cannot change anything here.
    /// Times come in the ISO DateStyle, in the session's TimeZone (the server's, or PGTZ).
    public func rows(databaseURL: String) throws(ReaderQueryFailure) -> [[String?]] {
        do throws(PostgresError) {
            let connection = try PostgresConnection(databaseURL)
            try connection.execute("""
                SET application_name = 'ingestd query';
                SET default_transaction_read_only = on;
                SET DateStyle = 'ISO, YMD';
                SET IntervalStyle = postgres;
                """)
            let result = try connection.execute(sql, parameters.map { PostgresParameter.text($0) })
            guard result.columnCount == columns.count else {
                throw PostgresError(call: "PQexecParams", message: "expected \(columns.count) columns, got \(result.columnCount)")
            }
            return result.rows
        } catch {
            throw ReaderQueryFailure(name: name, error: error)
        }
    }
}

/// The database refused a reader query, or could not be reached.
public struct ReaderQueryFailure: Error, CustomStringConvertible {
    /// The query that failed.
    public let name: ReaderQuery.Name
    /// What libpq or the server said.
    public let error: PostgresError

    public var description: String {
        var text = "\(name.rawValue): \(error)"
        switch error.sqlState {
        case "42P01", "42883":
            // undefined table or function: the schema predates migration 7
            text += "; the reader views come with schema version 7, the alerts with 9, the rollups with 10: run `ingestd migrate`"
        case "42501":
            text += "; the role needs ingestd_reader (GRANT ingestd_reader TO …)"
        default:
            break
        }
        return text
    }
}
