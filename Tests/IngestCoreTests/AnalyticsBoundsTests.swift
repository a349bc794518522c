import Testing
@testable import IngestCore

/// The analytics follow only the series their budget admits: one device inventing series
/// gets neither alerts nor windows for the extra ones, and the others keep both.
@Suite struct AnalyticsBoundsTests {
    typealias F = AlertFixture

    func analytics(perDevice: Int, total: Int, rules: [AlertRule] = [], windows: Bool = true) -> Analytics {
        Analytics(rules: rules, routes: [], aggregates: windows ? AggregateSettings(windows: [.seconds(10)], grace: .zero) : .off,
                  bounds: SeriesBounds(maxSeriesPerDevice: perDevice, maxSeries: total))
    }

    @Test("a device publishing 10,000 invented series gets windows for its first ones only")
    func inventedSeriesGetNoWindows() {
        var a = analytics(perDevice: 5, total: 1_000)
        a.observe((0..<10_000).map { F.value(Double($0), at: 1, device: "dev42", metric: "m\($0)") })
        a.observe([F.value(7, at: 2, device: "dev1")])
        a.idle(now: F.at(60))
        let summaries = a.take().aggregates
        #expect(summaries.count == 6, "5 series of dev42 and the one of dev1")
        #expect(summaries.filter { $0.key.device == "dev42" }.map(\.key.metric).sorted() == ["m0", "m1", "m2", "m3", "m4"])
        #expect(a.budget.refusedPerDevice == 9_995)
        #expect(a.budget.count == 6)
    }

    @Test("alerts of a series followed keep working past the bound; a refused series raises none")
    func alertsFollowOnlyAdmittedSeries() {
        var a = analytics(perDevice: 1, total: 10, rules: [F.threshold(metric: nil, raise: 60, clear: 55)], windows: false)
        a.observe([F.value(70, at: 1, metric: "t1")])
        a.observe([F.value(70, at: 2, metric: "t2")])
        a.advance()
        #expect(a.take().alerts.map(\.alert.metric) == ["t1"])
        a.observe([F.value(50, at: 3, metric: "t1"), F.value(50, at: 3, metric: "t2")])
        a.advance()
        #expect(a.take().alerts.map { "\($0.alert.metric) \($0.isRaise)" } == ["t1 false"], "cleared once")
        #expect(a.budget.refusedPerDevice == 2)
    }

    @Test("an open alert from before a restart stays clearable when the bound is already full")
    func restoredOpenAlertsAreReserved() {
        var a = analytics(perDevice: 1, total: 1, rules: [F.threshold(raise: 60, clear: 55)], windows: false)
        let open = Alert(rule: "temperature_high", kind: "threshold", severity: .warning, family: .sensor, site: "s1",
                         device: "dev9", metric: "temperature", value: 70, threshold: 60, raisedAt: F.at(0), detail: "")
        a.restore(open: [open], lastSeen: [], currentStates: [])
        a.observe([F.value(70, at: 1, device: "dev1")])
        #expect(a.budget.refusedTotal == 1, "the reserved series took the one place")
        a.observe([F.value(50, at: 2, device: "dev9")])
        a.advance()
        #expect(a.take().alerts.map { "\($0.alert.device) \($0.isRaise)" } == ["dev9 false"])
    }

    @Test("a reload keeps the series followed and the counts, under the new bounds")
    func aReloadKeepsTheBudget() {
        var old = analytics(perDevice: 1, total: 10)
        old.observe([F.value(1, at: 1, metric: "a"), F.value(1, at: 1, metric: "b")])
        var new = analytics(perDevice: 2, total: 10)
        new.takeOver(old)
        new.observe([F.value(1, at: 2, metric: "b"), F.value(1, at: 2, metric: "c")])
        #expect(new.budget.count == 2)
        #expect(new.budget.refusedPerDevice == 2)
    }
}
