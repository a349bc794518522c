import IngestCore
import Logging
import PostgresClient

/// `ingestd migrate`: one connection, the migrator, a report.
public enum DatabaseSetup {
    public static func migrate(config: IngestConfig, logger: Logger) throws -> Migrator.Report {
        let connection = try PostgresConnection(config.database.url)
        return try Migrator(connection: connection, storage: config.storage, logger: logger).migrate()
    }
}
