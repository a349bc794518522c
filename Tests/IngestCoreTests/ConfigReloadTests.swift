import IngestCore
import Testing

@Suite struct ConfigReloadTests {
    @Test("the same config changes nothing")
    func sameConfigChangesNothing() {
        #expect(ConfigReload(from: IngestConfig(), to: IngestConfig()).isEmpty)
    }

    @Test("routes, limits, family checks, dedup and batching are taken over live")
    func liveKeys() throws {
        var new = IngestConfig()
        new.routes = [Route(pattern: try TopicPattern("a/{site}/{line}/sensor/{device}/{metric}"), family: .sensor, format: .json)]
        new.limits.maxPayloadBytes = 100
        new.families.battery.soc = 0...90
        new.dedupWindow = 10_000
        new.writer.batchSize = 100
        new.writer.maxAge = .seconds(1)
        let change = ConfigReload(from: IngestConfig(), to: new)
        #expect(change.live == ["routes", "validation", "families", "dedup", "writer.batch_size", "writer.max_age"])
        #expect(change.atRestart.isEmpty)
    }

    @Test("a changed limit is not also reported as a changed family check")
    func limitsAreNotFamilies() {
        var new = IngestConfig()
        new.limits.maxJSONDepth = 3
        #expect(ConfigReload(from: IngestConfig(), to: new).live == ["validation"])
    }

    @Test("connections, storage, the journal, publishing and logging are named as taking effect at restart")
    func restartKeys() {
        var new = IngestConfig()
        new.mqtt.url = "mqtt://elsewhere"
        new.database.url = "postgresql://elsewhere/db"
        new.storage.engine = .partitions
        new.writer.method = .unnest
        new.journal.sync = .always
        new.stopTimeout = .seconds(5)
        new.publish.prefix = "x/"
        new.logLevel = "debug"
        let change = ConfigReload(from: IngestConfig(), to: new)
        #expect(change.live.isEmpty)
        #expect(change.atRestart == ["mqtt", "database", "storage", "writer.method", "journal", "stop_timeout", "publish", "log"])
    }
}
