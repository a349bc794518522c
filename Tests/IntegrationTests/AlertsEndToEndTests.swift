import Foundation
import PostgresClient
import Testing

extension StackTests {
/// Alerts through a real broker and database: raised once, cleared once, stored in `alerts`,
/// published on `{prefix}alerts/{severity}/{site}/{device}` and retained on the active topic
/// while open; a restart neither repeats nor forgets an open alert.
@Suite struct AlertsEndToEndTests {
    static let rules = """
        alerts:
          rules:
            - {name: battery_overheat, family: battery, parameter: temperature, kind: threshold, above: 60, clear_below: 55, severity: critical}
            - {name: offline, family: sensor, kind: stale, after: 2s, severity: warning}
        """

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The alert changes published for `device` (not the retained active ones), as JSON text.
    static func changes(_ listener: MQTTListener, root: String, severity: String, device: String) -> [String] {
        listener.messages(onTopicPrefix: "\(root)/ingestd/alerts/\(severity)/s1/\(device)")
    }

    /// A fresh database migrated for a config with `extra`, a listener on `{root}/ingestd/{listen}`
    /// and a running ingestd.
    struct Run {
        var root: String
        var dbURL: String
        var config: String
        var listener: MQTTListener
        var daemon: ChildProcess
    }

    static func start(_ label: String, extra: String, listen: String = "alerts/#") throws -> Run {
        let root = TestStack.uniqueTopicRoot(label)
        let dbURL = try TestStack.freshDatabase(label)
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, extra: extra)
        try TestStack.migrate(config: config)
        let listener = try MQTTListener(filter: "\(root)/ingestd/\(listen)")
        return Run(root: root, dbURL: dbURL, config: config, listener: listener, daemon: try TestStack.startIngestd(config: config))
    }

    @Test("an overheating battery: one raise and one clear on the alert topic and in the table; the open alert is retained for a new subscriber, emptied at the clear; a restart mid-alert does not raise it again and retains it again")
    func anOverheatingBatteryIsRaisedOnceAndClearedOnceAcrossARestart() throws {
        let run = try Self.start("alerthot", extra: Self.rules)
        let (root, dbURL, config, listener) = (run.root, run.dbURL, run.config, run.listener)
        var daemon = run.daemon
        let topic = "\(root)/s1/battery/bat1/telemetry"
        var ts = Self.nowMs() - 60_000
        func send(_ temperatures: [Double]) throws {
            for t in temperatures {
                ts += 1_000
                try listener.publish(topic: topic, payload: "{\"ts\":\(ts),\"voltage\":48.1,\"temperature\":\(t),\"soc\":80}")
            }
        }
        try send([40, 50, 59, 61, 65, 58, 62])  // raised at 61; 58 is above the clear level
        #expect(listener.waitFor(count: 1, onTopicPrefix: "\(root)/ingestd/alerts/critical/"), "no raise:\n\(daemon.output.suffix(3000))")

        let late = try MQTTListener(filter: "\(root)/ingestd/alerts/active/#")
        #expect(late.waitFor(count: 1, onTopicPrefix: "\(root)/ingestd/alerts/active/s1/bat1/battery_overheat", timeout: 5),
                "a new subscriber does not see the open alert retained")
        #expect(late.messages(onTopicPrefix: "\(root)/ingestd/alerts/active/").first?.contains("\"state\":\"raised\"") == true)

        #expect(daemon.terminate() == 0)
        // As if ingestd had been killed between the commit and the publish: the retained
        // message is gone. The restart retains the open alert again.
        try listener.publish(topic: "\(root)/ingestd/alerts/active/s1/bat1/battery_overheat", payload: "", retain: true)
        usleep(300_000)
        daemon = try TestStack.startIngestd(config: config)
        let again = try MQTTListener(filter: "\(root)/ingestd/alerts/active/#")
        #expect(again.waitFor(count: 1, onTopicPrefix: "\(root)/ingestd/alerts/active/s1/bat1/battery_overheat", timeout: 5),
                "the open alert was not retained again at the restart")
        #expect(daemon.output.contains("open_alerts=1"), "the open alert was not rebuilt:\n\(daemon.output.suffix(2000))")
        try send([66, 61, 56])  // still hot after the restart: nothing new
        try send([54, 40])  // cleared at 54, once
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM alerts WHERE cleared_at IS NOT NULL", atLeast: 1, timeout: 30) == 1,
                "not cleared:\n\(daemon.output.suffix(3000))")
        #expect(listener.waitFor(count: 2, onTopicPrefix: "\(root)/ingestd/alerts/critical/"))
        usleep(1_000_000)
        let published = Self.changes(listener, root: root, severity: "critical", device: "bat1")
        #expect(published.count == 2, "\(published)")
        #expect(published.first?.contains("\"state\":\"raised\"") == true && published.first?.contains("\"value\":61") == true, "\(published)")
        #expect(published.last?.contains("\"state\":\"cleared\"") == true && published.last?.contains("\"clear_value\":54") == true, "\(published)")
        #expect(TestStack.count(dbURL, "SELECT count(*) FROM alerts") == 1)
        #expect(TestStack.count(dbURL, "SELECT count(*) FROM alerts WHERE rule = 'battery_overheat' AND device = 'bat1' AND metric = 'temperature' AND value = 61 AND clear_value = 54") == 1)

        // Cleared: the active topic's retained message is gone.
        let afterClear = try MQTTListener(filter: "\(root)/ingestd/alerts/active/#")
        usleep(500_000)
        #expect(afterClear.messages(onTopicPrefix: "\(root)/ingestd/alerts/active/").filter { !$0.isEmpty }.isEmpty)
        #expect(daemon.terminate() == 0)
    }

    @Test("a device gone silent raises offline once and clears it when it returns, while the others keep publishing")
    func aSilentDeviceIsOfflineUntilItReturns() throws {
        let run = try Self.start("alertstale", extra: Self.rules)
        let (root, dbURL, listener) = (run.root, run.dbURL, run.listener)
        let daemon = run.daemon
        func tick(_ devices: [String]) throws {
            let ts = Self.nowMs()
            for d in devices { try listener.publish(topic: "\(root)/s1/l1/sensor/\(d)/m0", payload: "{\"ts\":\(ts),\"value\":1}") }
            usleep(200_000)
        }
        for _ in 0..<10 { try tick(["dev1", "dev2"]) }
        for _ in 0..<20 { try tick(["dev1"]) }  // dev2 silent for 4 s
        var ticks = 0
        while TestStack.count(dbURL, "SELECT count(*) FROM alerts WHERE device = 'dev2' AND cleared_at IS NOT NULL") < 1 && ticks < 50 {
            try tick(["dev1", "dev2"])
            ticks += 1
        }
        #expect(listener.waitFor(count: 2, onTopicPrefix: "\(root)/ingestd/alerts/warning/s1/dev2"))
        let dev2 = Self.changes(listener, root: root, severity: "warning", device: "dev2")
        let dev1 = Self.changes(listener, root: root, severity: "warning", device: "dev1")
        #expect(daemon.terminate() == 0)
        #expect(dev2.count == 2 && dev2[0].contains("\"state\":\"raised\"") && dev2[1].contains("\"state\":\"cleared\""), "\(dev2)\n\(daemon.output.suffix(3000))")
        #expect(dev1.isEmpty, "dev1 never went silent: \(dev1)")
        #expect(TestStack.count(dbURL, "SELECT count(*) FROM alerts WHERE rule = 'offline' AND device = 'dev2' AND cleared_at > raised_at") == 1)
        // raised 2 s after dev2's last reading, in reading time
        #expect(TestStack.count(dbURL, """
            SELECT count(*) FROM alerts a WHERE a.device = 'dev2' AND a.raised_at = (
              SELECT max(ts) FROM sensor_readings s WHERE s.device = 'dev2' AND s.ts < a.raised_at) + interval '2 seconds'
            """) == 1)
    }

    @Test("a subscriber on agg/10s receives every window once it closes, with the right count, min, max, avg and last; a reading later than the grace is stored and counted late, not published")
    func everyTenSecondWindowIsPublishedWithItsFigures() throws {
        let run = try Self.start("agg", extra: "aggregates: { windows: [10s, 1m], grace: 2s }", listen: "agg/#")
        let (root, dbURL, listener, daemon) = (run.root, run.dbURL, run.listener, run.daemon)
        // Four 10 s windows a minute or two ago, 3 devices: window w of device d holds
        // (w + 1) * (d + 1) readings of values 1, 2, 3, …
        let now = Self.nowMs()
        let base = now - now % 60_000 - 120_000
        var expected: [String: (count: Int, max: Double, avg: Double)] = [:]
        for w in 0..<4 {
            for d in 0..<3 {
                let n = (w + 1) * (d + 1)
                for i in 0..<n {
                    let ts = base + Int64(w) * 10_000 + Int64(i) * 100
                    try listener.publish(topic: "\(root)/s1/l1/sensor/dev\(d)/temp", payload: "{\"ts\":\(ts),\"value\":\(i + 1)}")
                }
                expected["dev\(d) \(w)"] = (n, Double(n), Double(n + 1) / 2)
            }
        }
        #expect(listener.waitFor(count: 12, onTopicPrefix: "\(root)/ingestd/agg/10s/", timeout: 30),
                "\(listener.count(onTopicPrefix: "\(root)/ingestd/agg/10s/")) windows:\n\(daemon.output.suffix(3000))")
        #expect(listener.waitFor(count: 3, onTopicPrefix: "\(root)/ingestd/agg/1m/", timeout: 10))
        usleep(500_000)
        let windows = listener.messages(onTopicPrefix: "\(root)/ingestd/agg/10s/s1/")
        #expect(windows.count == 12, "\(windows)")
        for json in windows {
            guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                  let device = object["device"] as? String, let start = object["start"] as? String,
                  let count = object["count"] as? Int, let max = object["max"] as? Double, let avg = object["avg"] as? Double,
                  let min = object["min"] as? Double, let last = object["last"] as? Double else {
                Issue.record("not a window summary: \(json)")
                continue
            }
            let startMs = Int64(ISO8601DateFormatter().date(from: String(start.prefix(19)) + "Z")!.timeIntervalSince1970 * 1000)
            let w = Int((startMs - base) / 10_000)
            guard let e = expected["\(device) \(w)"] else {
                Issue.record("unexpected window \(json)")
                continue
            }
            #expect(count == e.count && max == e.max && min == 1 && last == e.max && abs(avg - e.avg) < 1e-9, "\(json)")
            #expect(object["metric"] as? String == "temp" && object["window"] as? String == "10s", "\(json)")
        }
        let oneMinute = listener.messages(onTopicPrefix: "\(root)/ingestd/agg/1m/s1/")
        #expect(oneMinute.count == 3 && oneMinute.allSatisfy { $0.contains("\"count\":") }, "\(oneMinute)")

        // Later than the grace: stored, counted late, and no window published again.
        try listener.publish(topic: "\(root)/s1/l1/sensor/dev0/temp", payload: "{\"ts\":\(base + 5_000),\"value\":99}")
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings WHERE value = 99", atLeast: 1, timeout: 20) == 1)
        usleep(1_500_000)
        #expect(listener.count(onTopicPrefix: "\(root)/ingestd/agg/10s/") == 12)
        #expect(daemon.terminate() == 0)
        #expect(daemon.output.contains("late_readings=1"), "\(daemon.output.suffix(2000))")
    }

    /// The shipped rules (config/ingestd.yaml), with `offline` after 1 s instead of 60 s.
    static func shippedRules() throws -> String {
        let text = try String(contentsOf: TestStack.packageRoot.appendingPathComponent("config/ingestd.yaml"), encoding: .utf8)
        let block = text[text.range(of: "\nalerts:\n")!.lowerBound...]
        return String(block).replacing("after: 60s", with: "after: 1s")
    }

    @Test("the simulator's excursions — an overheating pack, a line going red, a silent sensor, a drifting value — raise and clear exactly the alerts its manifest lists under the shipped rules, and nothing else fires during the run")
    func theSimulatorsExcursionsRaiseExactlyTheManifestsAlerts() throws {
        let run = try Self.start("excursion", extra: try Self.shippedRules())
        let (root, dbURL, listener) = (run.root, run.dbURL, run.listener)
        let daemon = run.daemon
        let manifestURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(root)-manifest.json")
        let sim = try Simulator.start(topicRoot: root, count: 20_000, rate: 1_000, duplicates: 0.02, malformed: 0.01, devices: 10,
                                      families: "sensor,battery,equipment,machine", manifest: manifestURL,
                                      extra: ["--excursions", "--silence", "3"])
        #expect(sim.waitForExit() == 0, "simulator failed:\n\(sim.output)")
        let endMs = Self.nowMs()
        let manifest = try Simulator.readManifest(manifestURL)
        let excursions = try #require(manifest.excursions)
        #expect(Set(excursions.map(\.kind)) == ["overheat", "line_red", "silence", "drift"], "\(excursions)")
        let sensorRows = try #require(manifest.families?["sensor"]?.rows)
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings", atLeast: sensorRows) == sensorRows)
        usleep(1_000_000)
        let during = "raised_at < to_timestamp(\(endMs) / 1000.0)"
        for e in excursions {
            let metric = e.metric.map { "'\($0)'" } ?? "''"
            let mine = "rule = '\(e.rule)' AND device = '\(e.device)' AND metric = \(metric) AND \(during)"
            #expect(TestStack.count(dbURL, "SELECT count(*) FROM alerts WHERE \(mine)") == e.raises, "\(e): \(Self.alerts(dbURL))")
            #expect(TestStack.count(dbURL, "SELECT count(*) FROM alerts WHERE \(mine) AND cleared_at IS NOT NULL") == e.clears,
                    "\(e): \(Self.alerts(dbURL))")
        }
        // Nothing else fired while the simulator played.
        #expect(TestStack.count(dbURL, "SELECT count(*) FROM alerts WHERE \(during)") == excursions.reduce(0) { $0 + $1.raises },
                "\(Self.alerts(dbURL))")
        // On MQTT: the overheating pack's raise and clear, once each.
        let pack = try #require(excursions.first { $0.kind == "overheat" })
        let hot = Self.changes(listener, root: root, severity: "critical", device: pack.device)
        #expect(hot.count == 2 && hot[0].contains("\"state\":\"raised\"") && hot[1].contains("\"state\":\"cleared\""), "\(hot)")
        #expect(daemon.terminate() == 0)
    }

    static func alerts(_ dbURL: String) -> String {
        let rows = (try? PostgresConnection(dbURL).execute("SELECT rule, device, metric, raised_at, cleared_at FROM alerts ORDER BY raised_at").rows) ?? []
        return rows.map { $0.map { $0 ?? "null" }.joined(separator: " ") }.joined(separator: "\n")
    }

    @Test("SIGHUP takes over new rules: an open alert of a removed rule is cleared, a new rule raises")
    func hangUpReloadsTheRules() throws {
        let run = try Self.start("alertreload", extra: Self.rules)
        let (root, dbURL, config, listener, daemon) = (run.root, run.dbURL, run.config, run.listener, run.daemon)
        let topic = "\(root)/s1/battery/bat1/telemetry"
        var ts = Self.nowMs() - 60_000
        func send(_ t: Double) throws {
            ts += 1_000
            try listener.publish(topic: topic, payload: "{\"ts\":\(ts),\"temperature\":\(t)}")
        }
        try send(61)
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM alerts WHERE rule = 'battery_overheat'", atLeast: 1) == 1)
        let original = try String(contentsOfFile: config, encoding: .utf8)
        let warm = "{name: battery_warm, family: battery, parameter: temperature, kind: threshold, above: 40, clear_below: 35, severity: warning}"
        let edited = original.replacing(/\{name: battery_overheat[^\n]*\}/, with: warm)
        #expect(edited != original)
        try edited.write(toFile: config, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(daemon.waitForOutput("reloaded: alerts"), "ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM alerts WHERE rule = 'battery_overheat' AND cleared_at IS NOT NULL",
                                       atLeast: 1, timeout: 20) == 1, "ingestd log:\n\(daemon.output.suffix(3000))")
        try send(45)
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM alerts WHERE rule = 'battery_warm' AND cleared_at IS NULL", atLeast: 1) == 1)
        #expect(listener.waitFor(count: 1, onTopicPrefix: "\(root)/ingestd/alerts/warning/s1/bat1"))
        #expect(daemon.terminate() == 0)
    }
}
}
