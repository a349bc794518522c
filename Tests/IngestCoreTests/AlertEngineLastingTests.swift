import Testing
@testable import IngestCore

/// `for:` (`AlertRule.lasting`): the condition must hold for that long of reading time; the
/// alert is raised at the moment it has, whoever moved the clock there.
@Suite struct AlertEngineLastingTests {
    typealias F = AlertFixture
    let rule = F.threshold("temperature_critical", raise: 100, clear: 95, lasting: .seconds(30), severity: .critical)

    @Test("a condition lasting 29 s raises nothing")
    func shorterThanForRaisesNothing() {
        var run = EngineRun([rule])
        #expect(run.feed(F.value(101, at: 0)).isEmpty)
        #expect(run.feed(F.value(101, at: 29)).isEmpty)
        #expect(run.clock(29.999).isEmpty)
        #expect(run.feed(F.value(99, at: 29.999)).isEmpty, "back below the raise level")
        #expect(run.clock(1_000).isEmpty)
        #expect(run.events.isEmpty)
    }

    @Test("lasting 30 s, decided by a reading at that moment, raises once at start + 30 s")
    func aReadingAtTheDueTimeRaises() throws {
        var run = EngineRun([rule])
        run.feed(F.value(101, at: 0))
        run.feed(F.value(102, at: 15))
        let raised = run.feed(F.value(103, at: 30))
        #expect(raised.count == 1)
        let alert = try #require(raised.first).alert
        #expect(alert.raisedAt == F.at(30))
        #expect(alert.value == 103 && alert.threshold == 100 && alert.severity == .critical)
        #expect(alert.detail.contains("above 100"))
        #expect(run.feed(F.value(104, at: 40)).isEmpty)
        #expect(run.clock(100).isEmpty, "raised once")
    }

    @Test("decided by a later reading of the same series, it is still raised at start + 30 s")
    func aLaterReadingRaisesAtTheDueTime() throws {
        var run = EngineRun([rule])
        run.feed(F.value(101, at: 0))
        run.feed(F.value(101, at: 20))
        let raised = run.feed(F.value(101, at: 45))
        #expect(raised.map(\.alert.raisedAt) == [F.at(30)])
    }

    @Test("decided by advance after another device's reading moved the clock")
    func anotherDevicesReadingDecides() throws {
        var run = EngineRun([rule])
        run.feed(F.value(101, at: 0))
        #expect(run.feed(F.value(20, at: 29, device: "dev2")).isEmpty)
        let raised = run.feed(F.value(20, at: 31, device: "dev2"))
        #expect(raised.count == 1)
        let alert = try #require(raised.first).alert
        #expect(alert.device == "dev1" && alert.raisedAt == F.at(30) && alert.value == 101 && alert.threshold == 100)
        #expect(run.feed(F.value(101, at: 32)).isEmpty)
    }

    @Test("decided by advance after clock(reaches:)")
    func theIdleClockDecides() {
        var run = EngineRun([rule])
        run.feed(F.value(101, at: 0))
        #expect(run.clock(29.9).isEmpty)
        #expect(run.clock(30).map(\.alert.raisedAt) == [F.at(30)])
        #expect(run.clock(90).isEmpty)
    }

    @Test("a dip below the raise level starts the wait again")
    func aDipResetsTheWait() {
        var run = EngineRun([rule])
        run.feed(F.value(101, at: 0))
        run.feed(F.value(99, at: 20))
        run.feed(F.value(101, at: 25))
        #expect(run.clock(54.9).isEmpty)
        #expect(run.clock(55).map(\.alert.raisedAt) == [F.at(55)])
    }

    @Test("a lasting rate is raised with the rate, not the reading")
    func aLastingRateIsRaisedWithTheRate() throws {
        var run = EngineRun([F.rate(raise: 5, clear: 2, lasting: .seconds(10))])
        run.feed(F.value(0, at: 0, metric: "pressure"))
        run.feed(F.value(10, at: 1, metric: "pressure"))
        run.feed(F.value(20, at: 2, metric: "pressure"))
        let alert = try #require(run.clock(11).first).alert
        #expect(alert.raisedAt == F.at(11))
        #expect(alert.value == 10, "10 per second")
        #expect(alert.threshold == 5)
    }
}
