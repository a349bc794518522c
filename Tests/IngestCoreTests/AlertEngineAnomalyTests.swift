import Testing
@testable import IngestCore

/// Anomaly rules: a value more than k standard deviations from the mean of its series over
/// the window raises, once the window holds `min_samples`; it clears below clear_k.
@Suite struct AlertEngineAnomalyTests {
    typealias F = AlertFixture
    let rule = F.anomaly()

    /// 10, 12, 10, 12… one a second from `start`.
    func baseline(_ count: Int, from start: Double = 0) -> [Observation] {
        (0..<count).map { F.value($0 % 2 == 0 ? 10 : 12, at: start + Double($0)) }
    }

    /// The z-score of `value` among `samples` (sample standard deviation), worked out here.
    func z(_ value: Double, among samples: [Double]) -> Double {
        let n = Double(samples.count)
        let mean = samples.reduce(0, +) / n
        let sd = (samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
        return (value - mean) / sd
    }

    @Test("nothing before min_samples: a wild value during the warm-up raises nothing")
    func warmUpRaisesNothing() {
        var run = EngineRun([rule])
        #expect(run.feed(baseline(29)).isEmpty)
        #expect(run.feed(F.value(1_000, at: 29)).isEmpty, "29 samples before it")
        #expect(run.events.isEmpty)
    }

    @Test("a value beyond k σ raises once; it clears only below clear_k σ")
    func raisesBeyondKAndClearsBelowClearK() throws {
        var run = EngineRun([rule])
        var samples: [Double] = baseline(30).map(\.value)
        #expect(run.feed(baseline(30)).isEmpty)
        let z1 = z(16, among: samples)
        #expect(z1 > 4)
        let raised = try #require(run.feed(F.value(16, at: 30)).first).alert
        #expect(raised.kind == "anomaly" && raised.metric == "temperature" && raised.severity == .info)
        #expect(raised.raisedAt == F.at(30) && raised.threshold == 4)
        #expect(abs((raised.value ?? 0) - z1) < 1e-9)
        samples.append(16)
        #expect((3...4).contains(z(15.5, among: samples)))
        #expect(run.feed(F.value(15.5, at: 31)).isEmpty, "between clear_k and k: still open")
        samples.append(15.5)
        #expect(z(11, among: samples) < 3)
        let cleared = try #require(run.feed(F.value(11, at: 32)).first).alert
        #expect(cleared.clearedAt == F.at(32) && cleared.raisedAt == F.at(30))
        #expect(run.events.count == 2)
    }

    @Test("a value far below the mean raises too")
    func aLowValueRaises() {
        var run = EngineRun([rule])
        run.feed(baseline(30))
        #expect(run.feed(F.value(5, at: 30)).count == 1)
    }

    @Test("a constant series (σ = 0) raises nothing")
    func constantSeriesRaisesNothing() {
        var run = EngineRun([rule])
        #expect(run.feed((0..<100).map { F.value(7, at: Double($0)) }).isEmpty)
    }

    @Test("the window forgets samples older than it")
    func theWindowForgetsOldSamples() {
        var run = EngineRun([rule])
        run.feed(baseline(30))
        #expect(run.feed(F.value(1_000, at: 29 + 301)).isEmpty, "the 30 samples are more than 5 min old: warm-up again")
        var fresh = EngineRun([rule])
        fresh.feed(baseline(30))
        #expect(fresh.feed(F.value(1_000, at: 250)).count == 1, "all within 5 min")
    }

    @Test("every metric of a device is its own series and names its metric")
    func everyMetricIsItsOwnSeries() {
        var run = EngineRun([rule])
        run.feed(baseline(30))
        run.feed((0..<30).map { F.value(Double(100 + $0 % 3), at: Double($0), metric: "humidity") })
        let raised = run.feed(F.value(500, at: 30, metric: "humidity"))
        #expect(raised.map(\.alert.metric) == ["humidity"])
        #expect(raised.first?.alert.subject == "value_anomaly.humidity")
    }
}
