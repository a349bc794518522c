import IngestCore
import Mosquitto
import PostgresClient

/// Who connects to the database, and with what password.
///
/// - `daemon`: `database.url` (and `password_env` / `password_file`), what everything the
///   running daemon does connects as: the writer, the alert state, the rollup refresher, the
///   daily partitions ahead. Meant to be a login granted `ingestd_writer`.
/// - `owner`: `database.owner_url` (and `owner_password_env` / `owner_password_file`), what
///   migrations and the storage policies connect as: the role that owns the tables. Without
///   `owner_url`, `url` and its password do both.
///
/// The password reaches libpq as a connection parameter of this login alone, never through
/// the process's environment: the owner's and the writer's differ.
public struct DatabaseLogin: Sendable, CustomStringConvertible {
    /// A libpq connection string or `postgresql://` URL, as configured.
    public let conninfo: String
    let password: String?

    public init(conninfo: String, password: String?) {
        self.conninfo = conninfo
        self.password = password
    }

    /// What the running daemon connects as.
    public static func daemon(_ database: IngestConfig.Database) -> DatabaseLogin {
        DatabaseLogin(conninfo: database.url, password: database.password)
    }

    /// What migrations and the storage policies connect as.
    public static func owner(_ database: IngestConfig.Database) -> DatabaseLogin {
        guard let url = database.ownerURL else { return daemon(database) }
        return DatabaseLogin(conninfo: url, password: database.ownerPassword)
    }

    /// Connects (`PostgresConnection.init`), the configured password winning over one in the
    /// conninfo; `overriding` wins over both.
    public func connect(overriding: [PostgresConnection.Parameter] = []) throws(PostgresError) -> PostgresConnection {
        let secret = password.map { [PostgresConnection.Parameter("password", $0)] } ?? []
        let others = Set(overriding.map(\.keyword))
        return try PostgresConnection(conninfo, overriding: secret.filter { !others.contains($0.keyword) } + overriding)
    }

    /// The conninfo with its password masked.
    public var description: String { Self.redacting(conninfo) }

    /// A database URL or conninfo with its password masked: `postgresql://u:***@h/db`,
    /// `host=h password=*** dbname=db`, and `?password=***` in a URL's query. For messages
    /// about a conninfo that may not even parse.
    public static func redacting(_ conninfo: String) -> String {
        var text = MQTTURL.redacting(conninfo)
        text.replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)/, with: { "\($0.output.1)***" })
        return text
    }
}
