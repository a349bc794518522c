import Testing
@testable import IngestCore

/// Rate rules: the change per second between a series' readings, either way, with hysteresis.
@Suite struct AlertEngineRateTests {
    typealias F = AlertFixture
    let rule = F.rate(raise: 5, clear: 2)

    func pressure(_ v: Double, at t: Double) -> Observation { F.value(v, at: t, metric: "pressure") }

    @Test("the first reading raises nothing; rises and falls faster than 5/s raise, slower than 2/s clear")
    func rateBothWaysWithHysteresis() throws {
        var run = EngineRun([rule])
        #expect(run.feed(pressure(1_000, at: 0)).isEmpty, "no rate from one reading")
        #expect(run.feed(pressure(1_002, at: 1)).isEmpty)
        let raised = try #require(run.feed(pressure(1_010, at: 2)).first).alert
        #expect(raised.kind == "rate" && raised.raisedAt == F.at(2) && raised.value == 8 && raised.threshold == 5)
        #expect(raised.detail == "pressure changing by 8/s, above 5/s")
        #expect(run.feed(pressure(1_015, at: 3)).isEmpty, "5/s: not below the clear level")
        #expect(run.feed(pressure(1_012, at: 4)).isEmpty, "3/s falling: still not below 2")
        let cleared = try #require(run.feed(pressure(1_013, at: 5)).first).alert
        #expect(cleared.clearedAt == F.at(5) && cleared.clearValue == 1)
        let falling = try #require(run.feed(pressure(1_006, at: 6)).first).alert
        #expect(falling.isOpen && falling.value == 7, "a fall as fast raises too")
        #expect(run.events.map(\.isRaise) == [true, false, true])
    }

    @Test("exactly at the rate level raises nothing; the rate is per second of reading time")
    func rateIsPerSecondAndStrict() {
        var run = EngineRun([rule])
        run.feed(pressure(0, at: 0))
        #expect(run.feed(pressure(50, at: 10)).isEmpty, "5/s")
        #expect(run.feed(pressure(53, at: 10.5)).count == 1, "6/s")
    }

    @Test("an older reading arriving late is ignored")
    func outOfOrderReadingsAreIgnored() {
        var run = EngineRun([rule])
        run.feed(pressure(0, at: 10))
        #expect(run.feed(pressure(100, at: 5)).isEmpty)
        #expect(run.feed(pressure(1, at: 11)).isEmpty, "1/s from the reading at 10, not from the late one")
        #expect(run.feed(pressure(100, at: 12)).count == 1)
        #expect(run.feed(pressure(0, at: 11.5)).isEmpty, "late: does not clear")
        #expect(run.engine.openAlerts.count == 1)
    }
}
