import Testing
@testable import IngestCore

/// Stale rules: a device silent for `after` of reading time goes offline, at last seen +
/// after, once the clock has passed it; its next reading clears it.
@Suite struct AlertEngineStaleTests {
    typealias F = AlertFixture

    @Test("other devices' readings move the clock: raised at last seen + 60 s, not before, once")
    func otherDevicesMakeASilentDeviceStale() throws {
        var run = EngineRun([F.stale()])
        run.feed(F.value(1, at: 0, device: "dev1"))
        #expect(run.feed(F.value(1, at: 59.999, device: "dev2")).isEmpty)
        let raised = run.feed(F.value(1, at: 75, device: "dev2"))
        #expect(raised.count == 1)
        let alert = try #require(raised.first).alert
        #expect(alert.rule == "offline" && alert.kind == "stale" && alert.device == "dev1" && alert.metric == "")
        #expect(alert.raisedAt == F.at(60), "last seen + after, not the time the clock got there")
        #expect(alert.value == 60 && alert.threshold == 60)
        #expect(alert.detail == "no data from dev1 for 60.0 seconds")
        #expect(run.feed(F.value(1, at: 100, device: "dev2")).isEmpty, "raised once")
        let cleared = run.feed(F.value(1, at: 110, device: "dev1"))
        #expect(cleared.count == 1)
        let clear = try #require(cleared.first).alert
        #expect(clear.clearedAt == F.at(110) && clear.raisedAt == F.at(60))
        #expect(clear.detail == "data again from dev1")
    }

    @Test("the idle clock makes a whole silent site stale")
    func theIdleClockMakesDevicesStale() {
        var run = EngineRun([F.stale()])
        run.feed(F.value(1, at: 0, device: "dev1"))
        run.feed(F.value(1, at: 10, device: "dev2"))
        #expect(run.clock(59).isEmpty)
        #expect(run.clock(60).map(\.alert.device) == ["dev1"])
        #expect(run.clock(69).isEmpty)
        #expect(run.clock(70).map(\.alert.device) == ["dev2"])
        #expect(run.clock(500).isEmpty)
    }

    @Test("a device's metrics share one stale track: one alert per device")
    func oneAlertPerDevice() {
        var run = EngineRun([F.stale()])
        run.feed(F.value(1, at: 0, metric: "temperature"))
        run.feed(F.value(1, at: 30, metric: "humidity"))
        #expect(run.clock(89).isEmpty, "the humidity reading kept the device alive")
        let raised = run.clock(90)
        #expect(raised.map(\.alert.raisedAt) == [F.at(90)])
        #expect(raised.map(\.alert.metric) == [""])
        #expect(run.feed(F.value(1, at: 95, metric: "pressure")).map(\.isRaise) == [false], "any metric clears it")
    }

    @Test("a reading with a future ts but received now does not make the others stale")
    func theClockIsCappedAtReceipt() {
        var run = EngineRun([F.stale()])
        run.feed(F.value(1, at: 0, device: "dev1"))
        #expect(run.feed(F.value(1, at: 3_600, device: "dev2", receivedAt: 1)).isEmpty)
        #expect(run.engine.watermark == F.at(1))
        #expect(run.feed(F.value(1, at: 61, device: "dev3")).map(\.alert.device) == ["dev1"])
    }

    @Test("a buffered reading from before the alert does not clear it")
    func aReadingOlderThanTheAlertDoesNotClearIt() {
        var run = EngineRun([F.stale()])
        run.feed(F.value(1, at: 0, device: "dev1"))
        #expect(run.clock(100).count == 1)
        #expect(run.feed(F.value(1, at: 30, device: "dev1")).isEmpty)
        #expect(run.feed(F.value(1, at: 60, device: "dev1")).map(\.alert.clearedAt) == [F.at(60)])
    }

    @Test("a device whose own return is the first sign of its silence is raised at last seen + after and cleared at its return")
    func aReturnThatEndsASilenceNobodyNoticedRaisesAndClears() {
        var run = EngineRun([F.stale()])
        run.feed(F.value(1, at: 0, device: "dev1"))
        let events = run.feed(F.value(1, at: 100, device: "dev1"))
        #expect(events.map(\.isRaise) == [true, false])
        #expect(events.first?.alert.raisedAt == F.at(60) && events.last?.alert.clearedAt == F.at(100))
        #expect(run.feed(F.value(1, at: 159, device: "dev1")).isEmpty, "a gap shorter than after: nothing")
    }
}
