import Foundation
import IngestCore
@testable import IngestRuntime
import Testing

/// Released migrations are frozen: the SQL each of versions 1–11 gives, on each layout with
/// the default storage config, is what the release gave, byte for byte
/// (`Tests/Fixtures/ReleasedMigrations`, printed from main before they were frozen). A
/// database migrated then and one migrated now must be the same; change a released
/// migration and this fails: add a new version instead. No server needed.
@Suite struct ReleasedMigrationsTests {
    static let lastReleased = 11

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ReleasedMigrations")

    static func fixture(_ version: Int, _ layout: StorageLayout) throws -> String {
        let name = String(format: "v%02d.%@.sql", version, layout.rawValue)
        return try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    @Test("every released migration gives the SQL it was released with, on both layouts",
          arguments: [StorageLayout.hypertable, .partitions])
    func releasedMigrationsAreUnchanged(layout: StorageLayout) throws {
        let released = Migration.all.filter { $0.version <= Self.lastReleased }
        #expect(released.map(\.version) == Array(1...Self.lastReleased))
        for migration in released {
            let sql = migration.sql(layout, IngestConfig().storage)
            let expected = try Self.fixture(migration.version, layout)
            #expect(sql == expected, "migration \(migration.version) (\(migration.name)) on \(layout.rawValue) is not what was released")
        }
    }

    @Test("the versions are unique and in order, the released ones first")
    func versionsAreInOrder() {
        let versions = Migration.all.map(\.version)
        #expect(versions == versions.sorted() && Set(versions).count == versions.count)
        #expect(Array(versions.prefix(Self.lastReleased)) == Array(1...Self.lastReleased))
    }

    @Test("the chunk interval of the config still reaches the hypertables of versions 1, 4 and 5")
    func chunkIntervalIsConfig() {
        var storage = IngestConfig().storage
        storage.chunkInterval = .seconds(3_600)
        for migration in Migration.all where [1, 4, 5].contains(migration.version) {
            #expect(migration.sql(.hypertable, storage).contains("chunk_time_interval => INTERVAL '3600 seconds'"))
            #expect(!migration.sql(.hypertable, storage).contains("86400"))
        }
    }
}
