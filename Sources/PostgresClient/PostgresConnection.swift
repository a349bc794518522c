internal import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection. libpq blocks: own it from one thread, never from Swift's
/// cooperative pool.
///
/// - Important: not thread-safe. One writer thread owns one connection.
public final class PostgresConnection {
    private let handle: OpaquePointer

    /// Connects with a conninfo string or a `postgresql://` URL, adding libpq's timeouts and
    /// TCP keepalives where the conninfo sets none (`parameters(for:)`), so that no call
    /// waits forever for a server that is gone. `overriding` replaces what the conninfo says,
    /// e.g. a shorter `connect_timeout` when a stop deadline is near.
    public init(_ conninfo: String, overriding: [Parameter] = []) throws(PostgresError) {
        let parameters = try Self.parameters(for: conninfo, overriding: overriding)
        // C strings that live until PQconnectdbParams returns; both arrays end with NULL.
        let keywords = parameters.map { strdup($0.keyword) } + [nil]
        let values = parameters.map { strdup($0.value) } + [nil]
        defer { (keywords + values).forEach { free($0) } }
        let h = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { k in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 0)
            }
        }
        guard let h else {
            throw PostgresError(call: "PQconnectdbParams", message: "out of memory")
        }
        guard PQstatus(h) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(h))
            PQfinish(h)
            throw PostgresError(call: "PQconnectdbParams", message: message)
        }
        handle = h
    }

    deinit { PQfinish(handle) }

    /// False once the server is gone; a new connection is then needed.
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// The server's version number, e.g. 150020.
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Runs one or more SQL statements without parameters (simple query protocol).
    @discardableResult
    public func execute(_ sql: String) throws(PostgresError) -> PostgresResult {
        try check(PQexec(handle, sql), "PQexec", sql: sql)
    }

    /// Runs one statement with parameters (extended protocol); results come back as text.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresParameter]) throws(PostgresError) -> PostgresResult {
        let n = parameters.count
        let oids = parameters.map { Oid($0.oid) }
        let lengths = parameters.map { Int32($0.bytes?.count ?? 0) }
        let formats = parameters.map { Int32($0.binary ? 1 : 0) }
        // Text parameters need a terminating NUL; binary ones are read by length.
        let buffers: [UnsafeMutablePointer<UInt8>?] = parameters.map { p in
            guard let b = p.bytes else { return nil }
            let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: b.count + 1)
            buf.initialize(from: b, count: b.count)
            buf[b.count] = 0
            return buf
        }
        defer { buffers.forEach { $0?.deallocate() } }
        let values: [UnsafePointer<CChar>?] = buffers.map { $0.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } }
        let res = PQexecParams(handle, sql, Int32(n), oids, values, lengths, formats, 0)
        return try check(res, "PQexecParams", sql: sql)
    }

    /// Runs `COPY … FROM STDIN` and sends `data` (whole, already in the COPY format).
    /// Returns the number of rows copied.
    @discardableResult
    public func copyIn(_ sql: String, data: [UInt8]) throws(PostgresError) -> Int {
        guard let start = PQexec(handle, sql) else { throw connectionError("PQexec(COPY)") }
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            _ = try check(start, "PQexec(COPY)", sql: sql)
            throw PostgresError(call: "PQexec(COPY)", message: "server did not enter COPY IN mode")
        }
        PQclear(start)
        let sent = data.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return 1 }
            return PQputCopyData(handle, base.assumingMemoryBound(to: CChar.self), Int32(raw.count))
        }
        if sent != 1 { throw connectionError("PQputCopyData") }
        if PQputCopyEnd(handle, nil) != 1 { throw connectionError("PQputCopyEnd") }
        var copied = 0
        var firstError: PostgresError?
        while let res = PQgetResult(handle) {
            do throws(PostgresError) {
                copied = try check(res, "COPY", sql: sql).affectedRows
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return copied
    }

    private func check(_ res: OpaquePointer?, _ call: String, sql: String) throws(PostgresError) -> PostgresResult {
        guard let res else { throw connectionError(call) }
        switch PQresultStatus(res) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN:
            return PostgresResult(res)
        default:
            let message = Self.trimmed(PQresultErrorMessage(res))
            let state = PQresultErrorField(res, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            PQclear(res)
            throw PostgresError(call: call, sqlState: state, message: message.isEmpty ? Self.trimmed(PQerrorMessage(handle)) : message)
        }
    }

    private func connectionError(_ call: String) -> PostgresError {
        PostgresError(call: call, sqlState: isHealthy ? nil : "08006", message: Self.trimmed(PQerrorMessage(handle)))
    }

    /// A C message without its trailing newline.
    static func trimmed(_ p: UnsafePointer<CChar>?) -> String {
        guard let p else { return "" }
        var s = String(cString: p)
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return s
    }
}
