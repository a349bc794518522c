import Testing
@testable import IngestCore

/// Alerts through the pipeline: real JSON messages in, `Batch.alerts` out, the same on a
/// second run over the same messages (a journal replay).
@Suite struct AlertPipelineReplayTests {
    static let t0 = Fixture.t0
    static let sensorTopic = "plant/s1/l1/sensor/d1/temp"
    static let equipmentTopic = "plant/s1/l1/equipment/press-1/state"
    static let rules: [AlertRule] = [
        AlertRule(name: "temp_high", severity: .warning, family: .sensor, metric: "temp",
                  condition: .threshold(AlertRule.Bound(above: true, raise: 60, clear: 55))),
        AlertRule(name: "offline", severity: .warning, family: .sensor, condition: .stale(after: .seconds(60))),
        AlertRule(name: "line_red", severity: .critical, family: .equipmentState, condition: .state("red")),
    ]

    let clock = ContinuousClock.now

    func machine() -> PipelineStateMachine {
        let routes = IngestConfig.defaultRoutes
        let analytics = Analytics(rules: Self.rules, routes: routes.map(\.pattern.description), aggregates: .off)
        return PipelineStateMachine(routes: routes, settings: FamilySettings(), dedupCapacity: 1_000, batchSize: 1_000,
                                    batchMaxAge: .seconds(3_600), analytics: analytics)
    }

    /// A reading read and received `seconds` after t0.
    func sensor(_ value: Double, at seconds: Int64, device: String = "d1") -> InboundMessage {
        let ts = (Self.t0 + seconds).description
        return InboundMessage(topic: "plant/s1/l1/sensor/\(device)/temp", payload: Array(#"{"ts": "\#(ts)", "value": \#(value)}"#.utf8),
                              receivedAt: Self.t0 + seconds, sequence: UInt64(seconds + 1))
    }

    func state(_ state: String, at seconds: Int64, seq: Int) -> InboundMessage {
        let ts = (Self.t0 + seconds).description
        let payload = #"{"state": "\#(state)", "changed_at": "\#(ts)", "source": "tablet-1", "seq": \#(seq)}"#
        return InboundMessage(topic: Self.equipmentTopic, payload: Array(payload.utf8), receivedAt: Self.t0 + seconds,
                              sequence: UInt64(seconds + 1))
    }

    var messages: [InboundMessage] {
        [sensor(50, at: 0), sensor(61, at: 10), state("green", at: 11, seq: 1), sensor(58, at: 20), sensor(70, at: 30, device: "d2"),
         state("red", at: 35, seq: 2), sensor(54, at: 40), sensor(61, at: 50), sensor(62, at: 130, device: "d2"),
         state("green", at: 140, seq: 3)]
    }

    /// Every batch one run over `messages` flushes, the last at shutdown.
    func batches() -> [Batch] {
        var p = machine()
        var actions: [PipelineAction] = []
        for m in messages { p.messageReceived(m, now: m.receivedAt, clock: clock, actions: &actions) }
        p.shutdownRequested(actions: &actions)
        return actions.compactMap { if case .flush(let b) = $0 { b } else { nil } }
    }

    @Test("a rule over sensor readings puts its alerts into the flushed batch")
    func alertsJoinTheBatch() throws {
        let flushed = batches()
        #expect(flushed.count == 1)
        let alerts = try #require(flushed.first).alerts.map(\.alert)
        let summary = alerts.map { "\($0.rule) \($0.device) \($0.isOpen ? "raised" : "cleared") \(($0.clearedAt ?? $0.raisedAt).microseconds / 1_000_000 - Self.t0.microseconds / 1_000_000)" }
        #expect(summary == [
            "temp_high d1 raised 10",
            "temp_high d2 raised 30",
            "line_red press-1 raised 35",
            "temp_high d1 cleared 40",
            "temp_high d1 raised 50",
            "offline d2 raised 90",
            "offline d2 cleared 130",
            "offline d1 raised 110",
            "line_red press-1 cleared 140",
        ])
        #expect(alerts.first?.site == "s1")
        #expect(alerts.first?.value == 61)
    }

    @Test("two runs over the same messages flush identical alerts")
    func replayGivesTheSameAlerts() {
        let first = batches().flatMap(\.alerts), second = batches().flatMap(\.alerts)
        #expect(!first.isEmpty)
        #expect(first == second)
    }
}
