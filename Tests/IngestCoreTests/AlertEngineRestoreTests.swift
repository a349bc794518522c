import Testing
@testable import IngestCore

/// A restart (open alerts and last-seen times from the database) and a reload
/// (`reconfigured`) rebuild what the engine knew: nothing is raised twice, nothing is lost.
@Suite struct AlertEngineRestoreTests {
    typealias F = AlertFixture
    let high = F.threshold(raise: 60, clear: 55)

    /// An open temperature_high alert of dev1, raised before the restart.
    var openHigh: Alert {
        Alert(rule: "temperature_high", kind: "threshold", severity: .warning, family: .sensor, site: "s1", device: "dev1",
              metric: "temperature", value: 70, threshold: 60, raisedAt: F.at(-100), detail: "temperature 70 above 60")
    }

    @Test("a restored open alert is not raised again, and the clearing reading clears it once with its raised_at")
    func restoredAlertIsClearedNotRaisedAgain() throws {
        var run = EngineRun([high])
        run.engine.restore(open: [openHigh])
        #expect(run.engine.openAlerts == [openHigh])
        #expect(run.advance().isEmpty)
        #expect(run.feed(F.value(75, at: 0)).isEmpty, "still above: the same alert")
        let cleared = run.feed(F.value(50, at: 1))
        #expect(cleared.count == 1)
        let alert = try #require(cleared.first).alert
        #expect(alert.raisedAt == F.at(-100) && alert.clearedAt == F.at(1) && alert.value == 70)
        #expect(run.engine.openAlerts.isEmpty)
    }

    @Test("a device seen before the restart that never returns is raised stale")
    func restoredLastSeenMakesAnAbsentDeviceStale() throws {
        var run = EngineRun([F.stale()])
        run.engine.restore(lastSeen: [(key: F.key("dev1"), time: F.at(0))])
        #expect(run.feed(F.value(1, at: 59, device: "dev2")).isEmpty)
        let raised = run.feed(F.value(1, at: 61, device: "dev2"))
        #expect(raised.map(\.alert.device) == ["dev1"])
        #expect(raised.first?.alert.raisedAt == F.at(60))
        var idle = EngineRun([F.stale()])
        idle.engine.restore(lastSeen: [(key: F.key("dev1"), time: F.at(0))])
        #expect(idle.clock(60).map(\.alert.device) == ["dev1"])
    }

    @Test("a restored stale alert is not raised again, and the device's return clears it")
    func restoredStaleAlertClearsOnReturn() {
        var run = EngineRun([F.stale()])
        let offline = Alert(rule: "offline", kind: "stale", severity: .warning, family: .sensor, site: "s1", device: "dev1",
                            metric: "", value: 60, threshold: 60, raisedAt: F.at(60), detail: "no data from dev1 for 60.0 seconds")
        run.engine.restore(open: [offline])
        run.engine.restore(lastSeen: [(key: F.key("dev1"), time: F.at(0))])
        #expect(run.clock(500).isEmpty)
        #expect(run.feed(F.value(1, at: 600)).map(\.alert.clearedAt) == [F.at(600)])
        #expect(run.events.count == 1)
    }

    @Test("a restored alert of a rule no longer configured is cleared at the next advance")
    func alertOfAGoneRuleIsCleared() throws {
        var run = EngineRun([F.stale()])
        run.engine.restore(open: [openHigh])
        run.engine.clock(reaches: F.at(5))
        let cleared = run.advance()
        #expect(cleared.count == 1)
        let alert = try #require(cleared.first).alert
        #expect(alert.rule == "temperature_high" && alert.raisedAt == F.at(-100) && alert.clearedAt == F.at(5))
        #expect(alert.detail == "the rule temperature_high is no longer configured")
        #expect(run.advance().isEmpty, "cleared once")
    }

    @Test("a restored alert of a rule that no longer watches its series is cleared")
    func alertOfARuleNowWatchingAnotherMetricIsCleared() throws {
        var run = EngineRun([F.threshold(metric: "humidity", raise: 60, clear: 55)])
        run.engine.restore(open: [openHigh])
        run.engine.clock(reaches: F.at(5))
        #expect(run.advance().map(\.isRaise) == [false])
        #expect(run.engine.openAlerts.isEmpty)
    }

    @Test("a reload keeps open alerts, last-seen times and the clock")
    func reconfiguredKeepsOpenAlerts() throws {
        var run = EngineRun([high, F.stale()])
        run.feed(F.value(70, at: 0))
        run.feed(F.value(20, at: 10, device: "dev2"))
        var next = EngineRun(engine: run.engine.reconfigured(rules: [high, F.stale()], routes: []))
        #expect(next.engine.openAlerts == run.engine.openAlerts)
        #expect(next.engine.watermark == F.at(10))
        #expect(next.feed(F.value(71, at: 20)).isEmpty)
        #expect(next.clock(69).isEmpty)
        #expect(next.clock(70).map(\.alert.device) == ["dev2"], "dev2 last seen at 10")
        let cleared = next.feed(F.value(50, at: 75))
        #expect(cleared.map(\.alert.raisedAt) == [F.at(0)])
        #expect(cleared.map(\.isRaise) == [false])
    }

    @Test("a reload dropping a rule clears its open alerts")
    func reconfiguredWithoutTheRuleClearsItsAlerts() {
        var run = EngineRun([high])
        run.feed(F.value(70, at: 0))
        var next = EngineRun(engine: run.engine.reconfigured(rules: [], routes: []))
        #expect(next.advance().map(\.alert.clearedAt) == [F.at(0)])
    }
}
