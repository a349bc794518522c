import Testing
@testable import IngestCore

/// The same readings in the same order give the same alerts: the engine keeps reading time,
/// never a wall clock, so replaying the journal repeats the first run's alerts.
@Suite struct AlertReplayTests {
    typealias F = AlertFixture

    static let rules: [AlertRule] = [
        F.threshold(raise: 60, clear: 55),
        F.threshold("temperature_critical", raise: 100, clear: 95, lasting: .seconds(30), severity: .critical),
        F.rate(raise: 5, clear: 2),
        F.stale(),
        F.state(rule: "line_red", "red"),
        F.state(rule: "stuck_yellow", "yellow", lasting: .seconds(600), severity: .warning),
        F.anomaly(minSamples: 5),
    ]

    /// A day's worth of mixed traffic: two sensors with spikes and gaps, pressure ramps,
    /// an equipment going through its states, one reading from the future and one late.
    static var observations: [Observation] {
        var os: [Observation] = []
        for i in 0..<400 {
            let t = Double(i * 7)
            let wave = 50 + 60 * Double((i * 37) % 11) / 10
            os.append(F.value(wave, at: t, device: i % 50 < 40 ? "dev1" : "dev3"))
            os.append(F.value(Double((i * i) % 13) * 10, at: t + 1, metric: "pressure"))
            if i % 3 == 0 { os.append(F.value(i % 150 == 0 ? 500 : 20 + Double(i % 5), at: t + 2, device: "dev2", metric: "humidity")) }
            if i % 40 == 0 { os.append(F.state(["green", "yellow", "red", "yellow"][(i / 40) % 4], at: t, seq: Int64(i))) }
        }
        os.append(F.value(99, at: 10_000, device: "dev4", receivedAt: 2_000))
        os.append(F.value(200, at: 5, device: "dev1"))
        return os
    }

    func run() -> [AlertEvent] {
        var run = EngineRun(Self.rules)
        for (i, o) in Self.observations.enumerated() {
            run.feed(o)
            if i % 97 == 0 { run.clock(Double(o.time.microseconds - Fixture.t0.microseconds) / 1_000_000 + 1) }
        }
        run.clock(100_000)
        return run.events
    }

    @Test("two fresh engines fed the same observations give identical events")
    func sameObservationsSameEvents() {
        let first = run(), second = run()
        #expect(first.count > 10, "the traffic raises something of every kind")
        #expect(Set(first.map(\.alert.kind)) == ["threshold", "rate", "stale", "state", "anomaly"])
        #expect(first == second)
    }
}
