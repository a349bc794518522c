import IngestCore
import Logging
import PostgresClient

/// `ingestd migrate`: one connection as the tables' owner (`DatabaseLogin.owner`), the
/// migrator, a report.
public enum DatabaseSetup {
    public static func migrate(config: IngestConfig, logger: Logger) throws -> Migrator.Report {
        let connection = try DatabaseLogin.owner(config.database).connect()
        return try Migrator(connection: connection, storage: config.storage, logger: logger).migrate()
    }
}
