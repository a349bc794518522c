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

    /// A state observation of `press-1` at (site, line).
    static func state(_ state: String, at seconds: Double, site: String, line: String) -> Observation {
        var o = F.state(state, at: seconds)
        o.key = SeriesKey(family: .equipmentState, site: site, line: line, device: "press-1", metric: "")
        return o
    }

    @Test("press-1 of two sites, or of two lines of one site, are two pieces of equipment: each raises and clears its own alert")
    func theSameEquipmentNameOnTwoSitesOrLinesHasItsOwnAlert() throws {
        var run = EngineRun([red])
        let raised = try #require(run.feed(Self.state("red", at: 0, site: "s1", line: "l1")).first).alert
        #expect(raised.site == "s1" && raised.line == "l1" && raised.device == "press-1")
        #expect(run.feed(Self.state("green", at: 10, site: "s1", line: "l2")).isEmpty, "another line's press-1 cleared it")
        #expect(run.feed(Self.state("green", at: 20, site: "s2", line: "l1")).isEmpty, "another site's press-1 cleared it")
        #expect(run.feed(Self.state("red", at: 30, site: "s2", line: "l1")).map { "\($0.alert.site ?? "")/\($0.alert.isOpen)" } == ["s2/true"])
        let cleared = run.feed(Self.state("green", at: 40, site: "s1", line: "l1"))
        #expect(cleared.map { "\($0.alert.site ?? "")/\($0.alert.line ?? "")/\($0.alert.isOpen)" } == ["s1/l1/false"])
    }

    @Test("an open alert restored after a restart belongs to its site and line")
    func aRestoredAlertBelongsToItsSiteAndLine() {
        var engine = AlertEngine(rules: [red], routes: [])
        let open = Alert(rule: "line_red", kind: "state", severity: .critical, family: .equipmentState, site: "s1", line: "l1",
                         device: "press-1", metric: "", value: nil, threshold: nil, raisedAt: F.at(0), detail: "press-1 is red")
        engine.restore(open: [open])
        var events: [AlertEvent] = []
        engine.observe(Self.state("green", at: 10, site: "s1", line: "l2"), into: &events)
        #expect(events.isEmpty)
        engine.observe(Self.state("green", at: 20, site: "s1", line: "l1"), into: &events)
        #expect(events.map { "\($0.alert.line ?? "")/\($0.alert.isOpen)" } == ["l1/false"])
    }
}
