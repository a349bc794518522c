internal import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

extension PostgresConnection {
    /// One libpq connection keyword and its value, e.g. `connect_timeout` = `10`.
    public struct Parameter: Equatable, Sendable, CustomStringConvertible {
        public var keyword: String
        public var value: String

        public init(_ keyword: String, _ value: String) {
            self.keyword = keyword
            self.value = value
        }

        public var description: String { "\(keyword)=\(keyword == "password" ? "…" : value)" }
    }

    /// What ingestd connects with when the conninfo says nothing else: without them libpq
    /// waits forever for a server that does not answer (no connect timeout), and a statement
    /// on a connection whose peer vanished (a failover, a cable, a NAT entry gone) waits for
    /// the kernel's TCP retransmissions, about 15 minutes on Linux. With them a dead server
    /// is noticed within 10 s at connect, about 60 s on an idle connection (30 s idle, then 3
    /// probes 10 s apart) and 30 s when sent data goes unacknowledged; the writer then
    /// reconnects and retries its batch.
    public static let timeoutDefaults: [Parameter] = [
        Parameter("connect_timeout", "10"),
        Parameter("keepalives", "1"),
        Parameter("keepalives_idle", "30"),
        Parameter("keepalives_interval", "10"),
        Parameter("keepalives_count", "3"),
        Parameter("tcp_user_timeout", "30000"),  // milliseconds
    ]

    /// The keywords a connection to `conninfo` (a `postgresql://` URL or `key=value` pairs) is
    /// made with: the conninfo's own, then each of `timeoutDefaults` that neither the
    /// conninfo nor its libpq environment variable (`PGCONNECT_TIMEOUT`) sets. A user's own
    /// value always wins. Parsed by libpq itself (`PQconninfoParse`); nothing is connected.
    ///
    /// A value from a `service=` entry of pg_service.conf does not win over these defaults:
    /// set it in the URL instead. `overriding` wins over everything (the caller's own needs,
    /// such as a stop deadline).
    public static func parameters(for conninfo: String, overriding: [Parameter] = [],
                                  environment: (String) -> String? = { getenv($0).map { String(cString: $0) } })
        throws(PostgresError) -> [Parameter] {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &message) else {
            let text = message.map { trimmed(UnsafePointer($0)) } ?? "out of memory"
            if let message { PQfreemem(message) }
            throw PostgresError(call: "PQconninfoParse", message: "the database URL is not valid: \(text)")
        }
        defer { PQconninfoFree(options) }
        var given: [Parameter] = []
        var environmentVariable: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            let name = String(cString: keyword)
            if let value = option.pointee.val { given.append(Parameter(name, String(cString: value))) }
            if let variable = option.pointee.envvar { environmentVariable[name] = String(cString: variable) }
            option += 1
        }
        let set = Set(given.map(\.keyword))
        let added = timeoutDefaults.filter { p in
            !set.contains(p.keyword) && (environmentVariable[p.keyword].flatMap(environment)?.isEmpty ?? true)
        }
        let overridden = Set(overriding.map(\.keyword))
        return (given + added).filter { !overridden.contains($0.keyword) } + overriding
    }
}
