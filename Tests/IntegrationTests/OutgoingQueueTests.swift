import Foundation
import Testing

/// What ingestd publishes while the broker is away waits in a bounded queue: past
/// `mqtt.max_outgoing_queue` messages are dropped and counted, and the retained ones (open
/// alerts, state) are on the broker again once it is back.
extension StackTests {
@Suite struct OutgoingQueueTests {
    @Test("the broker away while 60 devices go stale and 600 windows close: the queue stays at 100, the rest is counted, every open alert is retained again after the reconnect")
    func theOutgoingQueueIsBoundedWhileTheBrokerIsAway() throws {
        let root = TestStack.uniqueTopicRoot("outq")
        let dbURL = try TestStack.freshDatabase("outq")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL,
                                               mqttExtra: ["max_outgoing_queue: 100", "reconnect_min: 1s", "reconnect_max: 1s"], extra: """
            aggregates:
              windows: [10s]
              grace: 0s
            alerts:
              rules:
                - name: offline
                  family: sensor
                  kind: stale
                  after: 3s
                  severity: warning
            """)
        _ = try TestStack.migrate(config: config)
        let daemon = try TestStack.startIngestd(config: config)
        _ = daemon.waitForOutput("HTTP endpoint listening on", timeout: 20)
        let endpoint = try #require(daemon.httpEndpoint, "no endpoint line:\n\(daemon.output.suffix(2000))")

        // Readings time-stamped at the start of a 10 s window that begins at least 20 s from
        // now: their window closes, and their devices go stale, only once the broker is gone.
        let now = Int64(Date().timeIntervalSince1970)
        let windowStart = (now + 20 + 9) / 10 * 10
        let devices = 60, metrics = 10
        let publisher = try BulkPublisher(window: 200, maxInflight: 100)
        try publisher.publish(count: devices * metrics) { i in
            ("\(root)/s1/l1/sensor/dev\(i / metrics)/m\(i % metrics)", "{\"ts\":\(windowStart + 1),\"value\":\(i)}")
        }
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings", atLeast: devices * metrics) == devices * metrics)
        let outage = try TestStack.restartInBackground("mosquitto", downSeconds: 45)
        #expect(daemon.waitForOutput("connection to the broker lost", timeout: 30), "ingestd never saw the broker go:\n\(daemon.output.suffix(2000))")

        // While it is away: 60 alerts raised (each a change and a retained open alert) and 600
        // window summaries, against a queue of 100.
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM alerts WHERE rule = 'offline'", atLeast: devices, timeout: 60) == devices)
        var away: [String: Double] = [:]
        let deadline = Date().addingTimeInterval(60)
        repeat {
            usleep(500_000)
            away = prometheusSamples(httpGet("\(endpoint)/metrics")?.body ?? "")
        } while (away[#"ingestd_mqtt_outgoing_dropped_total{kind="agg"}"#] ?? 0) < Double(devices * metrics - 100) && Date() < deadline
        let dropped = away.filter { $0.key.hasPrefix("ingestd_mqtt_outgoing_dropped_total{") }.values.reduce(0, +)
        #expect(dropped == Double(devices * metrics + 2 * devices - 100), "all but 100 of 720 dropped and counted: \(away.filter { $0.key.contains("outgoing") })")
        #expect(away[#"ingestd_queue_depth{queue="outgoing"}"#] == 100, "the queue stays at its bound")
        #expect(daemon.output.contains("the broker is not taking what ingestd publishes"), "the drops are logged")

        // Back: every open alert is retained on the broker again (those libmosquitto kept and
        // those dropped, published again), and the queue empties.
        #expect(daemon.waitForOutput("publishing again the latest of", timeout: 90), "no republish:\n\(daemon.output.suffix(3000))")
        _ = waitForHTTP("\(endpoint)/readyz", status: 200, timeout: 60)
        let listener = try MQTTListener(filter: "\(root)/ingestd/alerts/active/#")
        #expect(listener.waitFor(count: devices, onTopicPrefix: "\(root)/ingestd/alerts/active/", timeout: 30),
                "retained open alerts after the reconnect: \(listener.count(onTopicPrefix: "\(root)/ingestd/alerts/active/"))")
        let active = listener.messages(onTopicPrefix: "\(root)/ingestd/alerts/active/")
        #expect(active.count == devices && active.allSatisfy { $0.contains("\"rule\":\"offline\"") })
        var depth = -1.0
        for _ in 0..<100 {
            depth = prometheusSamples(httpGet("\(endpoint)/metrics")?.body ?? "")[#"ingestd_queue_depth{queue="outgoing"}"#] ?? -1
            if depth == 0 { break }
            usleep(200_000)
        }
        #expect(depth == 0, "the queue empties once the broker is back")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }
}
}
