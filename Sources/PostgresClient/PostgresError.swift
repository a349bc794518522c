/// A libpq call that failed, with the call's name and the server's or libpq's message.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The libpq function or the SQL step that failed, e.g. `PQconnectdb`.
    public let call: String
    /// The SQLSTATE code when the server sent one (e.g. `23505`), else nil.
    public let sqlState: String?
    /// `PQerrorMessage` / `PQresultErrorMessage`, trimmed.
    public let message: String

    public init(call: String, sqlState: String? = nil, message: String) {
        self.call = call
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String {
        "\(call) failed: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }

    /// The message's first line (the server's primary message, without the DETAIL that may
    /// repeat a whole row) with the SQLSTATE: what a dead letter's reason quotes.
    public var summary: String {
        let first = message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? message
        return "\(call) failed: \(first)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }

    /// True when the connection itself is gone (reconnect), false for an error in the statement.
    public var isConnectionLoss: Bool {
        guard let s = sqlState else { return true }
        // Class 08: connection exception; 57P01..57P03: admin shutdown, crash shutdown, cannot connect now.
        return s.hasPrefix("08") || s == "57P01" || s == "57P02" || s == "57P03"
    }
}
