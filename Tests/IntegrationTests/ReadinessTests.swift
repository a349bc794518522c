@testable import IngestRuntime
import Testing

/// What `/readyz` and the progress line make of the connections' state (no servers needed).
@Suite struct ReadinessTests {
    @Test func readyOnlyWithTheSubscriptionsAcknowledgedAndTheDatabaseTakingWrites() {
        let health = Health()
        #expect(!Readiness(health.snapshot, backlogMessages: 0).ready, "not connected yet")
        health.brokerConnected()
        #expect(Readiness(health.snapshot, backlogMessages: 0).reasons == ["broker connected, subscriptions not yet acknowledged"])
        health.brokerSubscribed()
        #expect(Readiness(health.snapshot, backlogMessages: 0).ready, "a database not used yet is no reason")
        health.databaseReached()
        #expect(Readiness(health.snapshot, backlogMessages: 0) == Readiness(health.snapshot, backlogMessages: 0))
        #expect(Readiness(health.snapshot, backlogMessages: 0).text == "ready\n")
    }

    @Test func aFailingDatabaseAndALostBrokerAreBothNamedWithTheBacklog() {
        let health = Health()
        health.brokerConnected()
        health.brokerSubscribed()
        health.databaseFailed("cannot execute INSERT in a read-only transaction")
        health.brokerDown("connection to the broker lost: The connection was lost.")
        let r = Readiness(health.snapshot, backlogMessages: 1_234)
        #expect(!r.ready)
        #expect(r.text == """
            not ready
            - broker not connected: connection to the broker lost: The connection was lost.
            - database failing: cannot execute INSERT in a read-only transaction; 1234 messages wait in the journal

            """)
        health.databaseReached()
        health.brokerConnected()
        health.brokerSubscribed()
        #expect(Readiness(health.snapshot, backlogMessages: 1_234).ready, "a backlog being written is no reason")
    }

    @Test func theProgressLineSaysWhetherBrokerAndDatabaseAreConnected() {
        let health = Health()
        #expect(ProgressReporter.connections(health.snapshot) == "broker=down (not connected yet) database=not used yet")
        health.brokerConnected()
        health.brokerSubscribed()
        health.databaseFailed("connection refused")
        #expect(ProgressReporter.connections(health.snapshot) == "broker=connected database=failing (connection refused)")
    }

    @Test func everyFateAndReasonBecomesALabelledCounter() {
        var s = RuntimeStats.Snapshot()
        s.fates.apply(.counted(family: "sensor", fate: .accepted, count: 5))
        s.fates.apply(.counted(family: "sensor", fate: .rejected("malformed_json"), count: 2))
        s.mqttConnects = 3
        let values = IngestMetrics.counterValues(s)
        func value(_ name: String, _ labels: [(String, String)] = []) -> Int? {
            values.first { $0.0 == name && $0.1.map { "\($0.0)=\($0.1)" } == labels.map { "\($0.0)=\($0.1)" } }?.2
        }
        #expect(value("ingestd_records_total", [("family", "sensor"), ("fate", "accepted")]) == 5)
        #expect(value("ingestd_records_total", [("family", "sensor"), ("fate", "rejected")]) == 2)
        #expect(value("ingestd_rejected_total", [("family", "sensor"), ("reason", "malformed_json")]) == 2)
        #expect(value("ingestd_mqtt_reconnects_total") == 2, "every accepted connection after the first")
    }

    @Test func countersOnTheEndpointFollowTheStatsAcrossScrapes() {
        let metrics = IngestMetrics()
        var s = RuntimeStats.Snapshot()
        s.fates.apply(.counted(family: "battery", fate: .accepted, count: 3))
        _ = metrics.exposition(stats: s, health: Health().snapshot, backlog: (0, 0), writerQueue: 0)
        s.fates.apply(.counted(family: "battery", fate: .accepted, count: 4))
        let text = String(decoding: metrics.exposition(stats: s, health: Health().snapshot, backlog: (7, 700), writerQueue: 1), as: UTF8.self)
        #expect(text.contains(#"ingestd_records_total{family="battery",fate="accepted"} 7"#), "\(text)")
        #expect(text.contains("ingestd_journal_backlog_messages 7.0"))
        #expect(text.contains(#"ingestd_queue_depth{queue="writer"} 1.0"#))
    }
}
