import IngestCore
import Logging
import PostgresClient

/// Applies the pending migrations under an advisory lock, so that several instances starting
/// at once never race, and picks the storage layout the first time.
public struct Migrator {
    /// The advisory lock key: "ingestd" in ASCII.
    static let lockKey: Int64 = 0x0069_6E67_6573_7464

    let connection: PostgresConnection
    let storage: IngestConfig.Storage
    let logger: Logger

    public init(connection: PostgresConnection, storage: IngestConfig.Storage, logger: Logger = Logger(label: "ingestd.migrate")) {
        self.connection = connection
        self.storage = storage
        self.logger = logger
    }

    /// What a run of the migrator did.
    public struct Report: Sendable {
        public var layout: StorageLayout
        public var applied: [Int]
        public var current: Int
    }

    /// Brings the schema up to date, or only through version `through` (the upgrade tests
    /// make an older release's schema so; the storage policies are then left for the next
    /// full migrate). Run as the tables' owner (`DatabaseLogin.owner`): a refused
    /// privilege is reported as `MigrationError.notOwner`, naming the role.
    public func migrate(through: Int? = nil) throws -> Report {
        do {
            return try migrateAsOwner(through: through ?? Int.max)
        } catch let error as PostgresError where error.sqlState == "42501" {
            throw MigrationError.notOwner(role: currentUser, underlying: "\(error)")
        }
    }

    private var currentUser: String? { (try? connection.execute("SELECT current_user").value(0, 0)) ?? nil }

    private func migrateAsOwner(through: Int) throws -> Report {
        try connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))") }
        try connection.execute("""
            SET client_min_messages = warning;
            CREATE TABLE IF NOT EXISTS ingestd_migrations (
                version    integer     PRIMARY KEY,
                name       text        NOT NULL,
                layout     text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """)
        let rows = try connection.execute("SELECT version, layout FROM ingestd_migrations ORDER BY version").rows
        let applied = Set(rows.compactMap { $0[0].flatMap { Int($0) } })
        let layout: StorageLayout
        if let recorded = rows.first?[1].flatMap(StorageLayout.init(rawValue:)) {
            layout = recorded
            try checkRecorded(layout)
        } else {
            layout = try chooseLayout()
        }
        var done: [Int] = []
        for m in Migration.all where !applied.contains(m.version) && m.version <= through {
            logger.info("applying migration", metadata: ["version": "\(m.version)", "name": "\(m.name)", "layout": "\(layout.rawValue)"])
            try connection.execute("BEGIN")
            do {
                try connection.execute(m.sql(layout, storage))
                try connection.execute("INSERT INTO ingestd_migrations (version, name, layout) VALUES ($1, $2, $3)",
                                       [.text(String(m.version)), .text(m.name), .text(layout.rawValue)])
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                if let refused = error as? PostgresError, refused.sqlState == "42501" {
                    throw MigrationError.notOwner(role: currentUser, underlying: "migration \(m.version) (\(m.name)) was rolled back: \(refused)")
                }
                throw MigrationError.failed(version: m.version, name: m.name, underlying: "\(error)")
            }
            done.append(m.version)
        }
        // Every time, not only with a migration: the jobs follow the config as it is now. Not
        // when stopping short of the latest version: the policies may need what a later one makes.
        if through >= (Migration.all.last?.version ?? 0) {
            try StoragePolicies.apply(layout: layout, storage: storage, on: connection)
        }
        let current = Migration.all.map(\.version).filter { $0 <= through && (applied.contains($0) || done.contains($0)) }.max() ?? 0
        return Report(layout: layout, applied: done, current: current)
    }

    /// Hypertables when the timescaledb extension can be created (it must also be in
    /// shared_preload_libraries), native partitions otherwise — or what the config demands.
    private func chooseLayout() throws -> StorageLayout {
        if storage.engine == .partitions {
            logger.notice("storage: native daily partitions (storage.engine = partitions)")
            return .partitions
        }
        // shared_preload_libraries is readable only by superusers and pg_read_all_settings
        // (pg_settings hides it from the others); the preloaded library's own settings are
        // visible to everyone.
        let found = try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'),
                   coalesce((SELECT setting LIKE '%timescaledb%' FROM pg_settings WHERE name = 'shared_preload_libraries'),
                            EXISTS (SELECT 1 FROM pg_settings WHERE name = 'timescaledb.bgw_launcher_poll_time'))
            """)
        let available = found.value(0, 0) == "t"
        var reason = "the timescaledb extension is not installed on the server"
        if available && found.value(0, 1) != "t" {
            // Created without the preload, TimescaleDB takes the session's backend down with it.
            reason = "the timescaledb extension is installed but not in the server's shared_preload_libraries (add it and restart PostgreSQL)"
        } else if available {
            do {
                try connection.execute("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS timescaledb")
                logger.notice("storage: TimescaleDB hypertables (extension timescaledb is available)")
                return .hypertable
            } catch {
                reason = "CREATE EXTENSION timescaledb failed: \(error)"
            }
        }
        if storage.engine == .timescaledb { throw MigrationError.timescaleUnavailable(reason) }
        logger.notice("storage: native daily partitions (\(reason))")
        return .partitions
    }

    private func checkRecorded(_ layout: StorageLayout) throws {
        switch (layout, storage.engine) {
        case (.hypertable, .partitions), (.partitions, .timescaledb):
            throw MigrationError.layoutMismatch(recorded: layout, configured: storage.engine)
        default:
            break
        }
    }
}

/// Why the schema could not be brought up to date.
public enum MigrationError: Error, CustomStringConvertible {
    case failed(version: Int, name: String, underlying: String)
    case timescaleUnavailable(String)
    case layoutMismatch(recorded: StorageLayout, configured: IngestConfig.StorageEngine)
    /// The compression, retention or rollup refresh policies could not be set.
    case policies(underlying: String)
    /// The role migrating lacks a privilege: it is not the tables' owner (the daemon's
    /// writer login, say). `role` is `current_user`.
    case notOwner(role: String?, underlying: String)

    public var description: String {
        switch self {
        case let .failed(v, name, underlying): "migration \(v) (\(name)) failed and was rolled back: \(underlying)"
        case let .timescaleUnavailable(reason): "storage.engine is timescaledb, but \(reason)"
        case let .layoutMismatch(recorded, configured):
            "the database was set up with \(recorded.rawValue), but storage.engine is \(configured.rawValue); set storage.engine to auto or use another database"
        case .policies(let underlying):
            "setting the storage policies of storage.rollup_refresh, compress_after and retention failed and was rolled back: \(underlying)"
        case let .notOwner(role, underlying):
            "migrations must run as the role that owns ingestd's tables, and \(role.map { "'\($0)'" } ?? "this role") may not (set database.owner_url to the owner's login, or migrate_on_start: false and run `ingestd migrate` as the owner): \(underlying)"
        }
    }
}
