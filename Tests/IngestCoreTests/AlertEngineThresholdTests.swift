import Testing
@testable import IngestCore

/// Threshold rules: hysteresis between the raise and clear levels, strict levels, and rules
/// that raise below a level.
@Suite struct AlertEngineThresholdTests {
    typealias F = AlertFixture

    @Test("above 60 / clear below 55: raised once, no storm in the band, cleared once, raised again")
    func hysteresisRaisesOnceAndClearsOnce() throws {
        var run = EngineRun([F.threshold(raise: 60, clear: 55)])
        #expect(run.feed(F.value(59, at: 0)).isEmpty)
        let raised = run.feed(F.value(61, at: 1))
        #expect(raised.count == 1)
        let alert = try #require(raised.first).alert
        #expect(alert.isOpen)
        #expect(alert.rule == "temperature_high" && alert.kind == "threshold" && alert.severity == .warning)
        #expect(alert.family == .sensor && alert.site == "s1" && alert.device == "dev1" && alert.metric == "temperature")
        #expect(alert.raisedAt == F.at(1))
        #expect(alert.value == 61 && alert.threshold == 60)
        #expect(alert.detail == "temperature 61 above 60")
        for (i, v) in [58.0, 62, 56].enumerated() {
            #expect(run.feed(F.value(v, at: Double(2 + i))).isEmpty, "\(v) is in the band or still above")
        }
        let cleared = run.feed(F.value(54, at: 5))
        #expect(cleared.count == 1)
        let clear = try #require(cleared.first).alert
        #expect(!clear.isOpen)
        #expect(clear.raisedAt == F.at(1) && clear.clearedAt == F.at(5))
        #expect(clear.clearValue == 54)
        #expect(clear.value == 61, "the value that raised it stays")
        #expect(clear.detail == "temperature 54 below 55")
        let again = run.feed(F.value(61, at: 6))
        #expect(again.map(\.alert.raisedAt) == [F.at(6)], "a second alert, its own raised_at")
        #expect(run.events.map(\.isRaise) == [true, false, true])
        #expect(run.engine.openAlerts.map(\.raisedAt) == [F.at(6)])
    }

    @Test("exactly at the raise level does not raise; exactly at the clear level does not clear")
    func levelsAreStrict() {
        var run = EngineRun([F.threshold(raise: 60, clear: 55)])
        #expect(run.feed(F.value(60, at: 0)).isEmpty)
        #expect(run.feed(F.value(60.001, at: 1)).count == 1)
        #expect(run.feed(F.value(55, at: 2)).isEmpty)
        #expect(run.feed(F.value(54.999, at: 3)).map(\.isRaise) == [false])
    }

    @Test("below 10 / clear above 15 mirrors it")
    func belowRulesMirrorAboveRules() throws {
        var run = EngineRun([F.threshold("battery_low_soc", metric: "soc", above: false, raise: 10, clear: 15, family: .battery)])
        let soc = { (v: Double, t: Double) in F.value(v, at: t, metric: "soc", family: .battery) }
        #expect(run.feed(soc(11, 0)).isEmpty)
        #expect(run.feed(soc(10, 1)).isEmpty, "exactly at the level")
        let raised = try #require(run.feed(soc(9, 2)).first).alert
        #expect(raised.raisedAt == F.at(2) && raised.value == 9 && raised.threshold == 10)
        #expect(raised.detail == "soc 9 below 10")
        #expect(run.feed([soc(12, 3), soc(8, 4), soc(14, 5), soc(15, 6)]).isEmpty)
        let cleared = try #require(run.feed(soc(16, 7)).first).alert
        #expect(cleared.clearedAt == F.at(7) && cleared.clearValue == 16 && cleared.detail == "soc 16 above 15")
        #expect(run.feed(soc(9, 8)).map(\.isRaise) == [true])
        #expect(run.events.count == 3)
    }

    @Test("each series has its own alert, and a rule on one metric ignores the others")
    func seriesAreIndependent() {
        var run = EngineRun([F.threshold(raise: 60, clear: 55)])
        #expect(run.feed(F.value(70, at: 0, metric: "humidity")).isEmpty)
        #expect(run.feed(F.value(70, at: 0, device: "dev1")).count == 1)
        #expect(run.feed(F.value(70, at: 0, device: "dev2")).count == 1)
        #expect(run.feed(F.value(50, at: 1, device: "dev1")).map(\.alert.device) == ["dev1"])
        #expect(run.engine.openAlerts.map(\.device) == ["dev2"])
    }

    @Test("an older reading arriving late does not move the alert")
    func lateReadingsAreIgnored() {
        var run = EngineRun([F.threshold(raise: 60, clear: 55)])
        run.feed(F.value(70, at: 10))
        #expect(run.feed(F.value(40, at: 5)).isEmpty)
        #expect(run.engine.openAlerts.count == 1)
    }
}
