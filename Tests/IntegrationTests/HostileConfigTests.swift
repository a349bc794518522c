import Foundation
import PostgresClient
import Testing

/// A config value past what its key holds is an error, never a trap: `ingestd check-config`
/// names it and exits 1, and SIGHUP with such a file is refused while the daemon runs on.
extension StackTests {
@Suite struct HostileConfigTests {
    @Test("check-config with validation.max_future: 1e300s names the key and line and exits 1, not on a signal")
    func checkConfigRefusesAHugeDuration() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingestd-hostile-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("ingestd.yaml").path
        try "validation:\n  max_future: 1e300s\nwriter:\n  batch_size: 1e19\n".write(toFile: file, atomically: true, encoding: .utf8)
        let check = try ChildProcess(TestStack.binary("ingestd"), ["check-config", "--config", file], label: "check-config")
        #expect(check.waitForExit() == 1, "\(check.output)")
        #expect(check.output.contains("\(file):2: key 'validation.max_future'"), "\(check.output)")
        #expect(check.output.contains("\(file):4: key 'writer.batch_size'"), "\(check.output)")
    }

    @Test("SIGHUP with validation.max_future: 1e300s is refused and logged; the daemon keeps ingesting")
    func hangUpWithAHugeDurationIsRefused() throws {
        let root = TestStack.uniqueTopicRoot("hostilecfg")
        let dbURL = try TestStack.freshDatabase("hostilecfg")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        try TestStack.migrate(config: config)
        let daemon = try TestStack.startIngestd(config: config)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let now = Int64(Date().timeIntervalSince1970 * 1000)

        let original = try String(contentsOfFile: config, encoding: .utf8)
        try (original + "\nvalidation:\n  max_future: 1e300s\n  max_age: -1e300ms\n").write(toFile: config, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(daemon.waitForOutput("key 'validation.max_age'"), "ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(daemon.output.contains("reload refused"), "ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(daemon.output.contains("key 'validation.max_future'"), "ingestd log:\n\(daemon.output.suffix(3000))")
        try publisher.publish(topic: "\(root)/s1/l1/sensor/d1/temp", payload: "{\"ts\":\(now),\"value\":2.5}")
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings WHERE device = 'd1'", atLeast: 1) == 1,
                "ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(daemon.process.isRunning)
        #expect(daemon.terminate() == 0, "ingestd log:\n\(daemon.output.suffix(3000))")
    }
}
}
