import Foundation
import PostgresClient
import Testing

extension StackTests {
/// SIGHUP: ingestd reads its config file again and takes over routes and limits without
/// losing what it holds; a config with errors is refused and the running one stays.
@Suite struct ReloadTests {
    @Test("SIGHUP takes over a new route and a new payload bound; a config with errors is refused with the file, line and key of each, and the running one stays")
    func hangUpReloadsRoutesAndRefusesABadConfig() throws {
        let root = TestStack.uniqueTopicRoot("reload")
        let dbURL = try TestStack.freshDatabase("reload")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        try TestStack.migrate(config: config)
        let daemon = try TestStack.startIngestd(config: config)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let now = Int64(Date().timeIntervalSince1970 * 1000)

        // No route for gauges yet: a dead letter (no_route), since ingestd does not even subscribe to it.
        let original = try String(contentsOfFile: config, encoding: .utf8)
        let gaugeRoute = """
          - topic: \(root)/{site}/{line}/gauge/{device}/{metric}
            family: sensor
        validation:
          max_payload_bytes: 200
        """
        try (original + "\n" + gaugeRoute + "\n").write(toFile: config, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(daemon.waitForOutput("reloaded: routes, validation"), "ingestd log:\n\(daemon.output.suffix(3000))")
        usleep(500_000)  // the SUBACK of the new filter
        try publisher.publish(topic: "\(root)/s1/l1/gauge/g1/pressure", payload: "{\"ts\":\(now),\"value\":1.5}")
        try publisher.publish(topic: "\(root)/s1/l1/sensor/d1/temp", payload: "{\"ts\":\(now),\"value\":2.5,\"unit\":\"\(String(repeating: "C", count: 300))\"}")
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings WHERE device = 'g1'", atLeast: 1) == 1,
                "ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM dead_letters WHERE reason_code = 'payload_too_large'", atLeast: 1) == 1)

        // A broken file, with two mistakes: refused, each named by file, line and key; the running config stays.
        try (original + "\n" + gaugeRoute + "\n  max_payload_bites: 5\nstop_timeout: soon\n").write(toFile: config, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(daemon.waitForOutput("key 'stop_timeout'"), "ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(daemon.output.contains("reload refused"), "ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(daemon.output.contains("\(config):"), "the refusal names the file")
        let first = daemon.output.range(of: "key 'validation.max_payload_bites'"), second = daemon.output.range(of: "key 'stop_timeout'")
        #expect(first != nil && second != nil && first!.lowerBound < second!.lowerBound,
                "the refusal names both keys, in file order:\n\(daemon.output.suffix(3000))")
        try publisher.publish(topic: "\(root)/s1/l1/gauge/g2/pressure", payload: "{\"ts\":\(now),\"value\":3.5}")
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings WHERE device = 'g2'", atLeast: 1) == 1)
        #expect(daemon.terminate() == 0)
    }

    @Test("SIGHUP in the middle of a run loses nothing and adds no duplicate")
    func hangUpDuringARunLosesNothing() throws {
        let root = TestStack.uniqueTopicRoot("reloadrun")
        let dbURL = try TestStack.freshDatabase("reloadrun")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        try TestStack.migrate(config: config)
        let daemon = try TestStack.startIngestd(config: config)
        let manifestURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(root)-manifest.json")
        let sim = try Simulator.start(topicRoot: root, count: 20_000, rate: 4_000, duplicates: 0.02, malformed: 0.01, manifest: manifestURL)
        let original = try String(contentsOfFile: config, encoding: .utf8)
        for i in 0..<3 {
            usleep(1_000_000)
            // Each reload changes the batch size, so the pipeline really swaps its state machine.
            try original.replacing("writer:\n", with: "writer:\n  batch_size: \(1_000 * (i + 1))\n")
                .write(toFile: config, atomically: true, encoding: .utf8)
            kill(daemon.process.processIdentifier, SIGHUP)
        }
        #expect(sim.waitForExit() == 0, "simulator:\n\(sim.output)")
        let manifest = try Simulator.readManifest(manifestURL)
        let readings = TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings", atLeast: manifest.expectedUniqueReadings)
        usleep(500_000)
        let again = TestStack.count(dbURL, "SELECT count(*) FROM sensor_readings")
        #expect(readings == manifest.expectedUniqueReadings && again == readings, "ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(TestStack.count(dbURL, "SELECT count(*) FROM dead_letters") == manifest.expectedDeadLetters)
        #expect(daemon.output.contains("reloaded: writer.batch_size"))
        #expect(daemon.terminate() == 0)
    }
}
}
