import Foundation
import Testing
@testable import IngestCore

/// The rollup, compression and retention keys of `storage:`.
extension ConfigLoaderTests {
    @Test func rollupCompressionAndRetentionDefaults() throws {
        let c = try load("storage:\n  engine: auto\n")
        #expect(c.storage.rollupRefresh == .seconds(30))
        #expect(c.storage.compressAfter == .seconds(7 * 86_400))
        #expect(c.storage.retention == nil)
    }

    @Test func rollupCompressionAndRetentionAreRead() throws {
        let c = try load("storage:\n  rollup_refresh: 5s\n  compress_after: 2d\n  retention: 90d\n")
        #expect(c.storage.rollupRefresh == .seconds(5))
        #expect(c.storage.compressAfter == .seconds(2 * 86_400))
        #expect(c.storage.retention == .seconds(90 * 86_400))
    }

    @Test func compressionAndRetentionCanBeTurnedOff() throws {
        let c = try load("storage:\n  compress_after: off\n  retention: OFF\n")
        #expect(c.storage.compressAfter == nil)
        #expect(c.storage.retention == nil)
    }

    @Test(arguments: ["compress_after", "retention"])
    func aBadDurationOrOffNamesItsLineAndKey(key: String) {
        expectError("storage:\n  engine: auto\n  \(key): never\n", line: 3, key: "storage.\(key)",
                    message: "expected off or a duration such as 12h, 7d or 30d, got 'never'")
    }

    @Test func tooShortDurationsAreRefused() {
        expectError("storage:\n  compress_after: 10m\n", line: 2, key: "storage.compress_after", message: "expected off or a duration from")
        expectError("storage:\n  retention: 12h\n", line: 2, key: "storage.retention", message: "expected off or a duration from")
        expectError("storage:\n  rollup_refresh: 100ms\n", line: 2, key: "storage.rollup_refresh", message: "expected a duration from")
        expectError("storage:\n  rollup_refresh: soon\n", line: 2, key: "storage.rollup_refresh",
                    message: "expected a duration such as 200ms, 5s, 15m, 2h or 7d, got 'soon'")
    }

    /// Else a reading ingestd accepts could fall in data already dropped.
    @Test func retentionMustOutlastTheOldestAcceptedReading() throws {
        expectError("storage:\n  retention: 7d\n", line: 2, key: "storage.retention",
                    message: "expected more than validation.max_age (7d), so that every reading ingestd accepts is kept for a while")
        expectError("validation:\n  max_age: 30d\nstorage:\n  engine: auto\n  retention: 14d\n", line: 5, key: "storage.retention",
                    message: "expected more than validation.max_age (30d)")
        #expect(try load("validation:\n  max_age: 1d\nstorage:\n  retention: 2d\n").storage.retention == .seconds(2 * 86_400))
    }

    @Test func unknownStorageKeySuggestsTheNearestOne() {
        expectError("storage:\n  retension: 30d\n", line: 2, key: "storage.retension", message: "did you mean 'retention'?")
    }
}
