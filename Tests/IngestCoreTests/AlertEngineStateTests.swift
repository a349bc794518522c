import Testing
@testable import IngestCore

/// Equipment state rules: the current state is the watched one; which change is current is
/// decided as the current-state table decides it (changed_at, then source, then seq).
@Suite struct AlertEngineStateTests {
    typealias F = AlertFixture
    let red = F.state(rule: "line_red", "red")
    let yellow = F.state(rule: "stuck_yellow", "yellow", lasting: .seconds(600), severity: .warning)

    @Test("entering red raises, staying red raises nothing more, leaving red clears")
    func redRaisesAndLeavingClears() throws {
        var run = EngineRun([red])
        #expect(run.feed(F.state("green", at: 0)).isEmpty)
        let raised = try #require(run.feed(F.state("red", at: 60)).first).alert
        #expect(raised.rule == "line_red" && raised.kind == "state" && raised.severity == .critical)
        #expect(raised.family == .equipmentState && raised.device == "press-1" && raised.metric == "")
        #expect(raised.raisedAt == F.at(60) && raised.value == nil && raised.threshold == nil)
        #expect(raised.detail == "press-1 is red")
        #expect(run.feed(F.state("red", at: 70, seq: 2)).isEmpty)
        let cleared = try #require(run.feed(F.state("yellow", at: 120)).first).alert
        #expect(cleared.clearedAt == F.at(120) && cleared.raisedAt == F.at(60) && cleared.detail == "press-1 is yellow")
        #expect(run.events.count == 2)
    }

    @Test("yellow for 10 min is raised at since + 10 min by advance")
    func yellowLastingIsRaisedByTheClock() throws {
        var run = EngineRun([red, yellow])
        #expect(run.feed(F.state("yellow", at: 0)).isEmpty)
        #expect(run.clock(599).isEmpty)
        let raised = run.clock(600)
        #expect(raised.map(\.alert.rule) == ["stuck_yellow"])
        #expect(raised.first?.alert.raisedAt == F.at(600))
        #expect(raised.first?.alert.detail == "press-1 is yellow for 600.0 seconds")
        #expect(run.clock(10_000).isEmpty)
        #expect(run.feed(F.state("green", at: 700)).map(\.alert.clearedAt) == [F.at(700)])
    }

    @Test("yellow left before 10 min raises nothing")
    func yellowLeftInTimeRaisesNothing() {
        var run = EngineRun([red, yellow])
        run.feed(F.state("yellow", at: 0))
        #expect(run.feed(F.state("red", at: 300)).map(\.alert.rule) == ["line_red"])
        #expect(run.clock(10_000).isEmpty)
    }

    @Test("an older change replayed late changes nothing")
    func lateOlderChangeIsHistory() {
        var run = EngineRun([red])
        run.feed(F.state("red", at: 100, seq: 5))
        #expect(run.feed(F.state("green", at: 50, seq: 9)).isEmpty)
        #expect(run.feed(F.state("green", at: 100, seq: 4)).isEmpty, "same time, lower seq")
        #expect(run.engine.openAlerts.count == 1)
        #expect(run.feed(F.state("green", at: 100, seq: 6)).map(\.isRaise) == [false], "same time, higher seq")
    }

    @Test("ties of changed_at are broken by source, then seq")
    func tiesAreBrokenBySourceThenSeq() {
        var run = EngineRun([red])
        run.feed(F.state("red", at: 100, source: "b", seq: 1))
        #expect(run.feed(F.state("green", at: 100, source: "a", seq: 99)).isEmpty)
        #expect(run.feed(F.state("green", at: 100, source: "c", seq: 0)).map(\.isRaise) == [false])
        #expect(run.feed(F.state("red", at: 100, source: "b", seq: 2)).isEmpty, "older than the change from c")
    }
}
