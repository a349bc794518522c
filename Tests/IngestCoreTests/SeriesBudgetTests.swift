import Testing
@testable import IngestCore

/// The series the analytics follow: the first ones seen, per device name and in all.
@Suite struct SeriesBudgetTests {
    func key(_ device: String, _ metric: String, site: String? = "s1", family: Family = .sensor) -> SeriesKey {
        SeriesKey(family: family, site: site, device: device, metric: metric)
    }

    @Test("the series past a device's bound is refused and counted; its first ones keep working")
    func aDeviceIsHeldToItsBound() {
        var budget = SeriesBudget(bounds: SeriesBounds(maxSeriesPerDevice: 2, maxSeries: 100))
        let first = [key("dev42", "m1"), key("dev42", "m2"), key("dev42", "m3")].map { budget.admit($0) }
        #expect(first == [true, true, false], "the third series of dev42 is refused")
        #expect(budget.refusedPerDevice == 1 && budget.refusedTotal == 0)
        #expect(budget.lastRefused?.key == key("dev42", "m3") && budget.lastRefused?.bound == .perDevice)
        let again = [key("dev42", "m1"), key("dev42", "m2"), key("dev42", "m3"), key("dev43", "m3")].map { budget.admit($0) }
        #expect(again == [true, true, false, true], "followed ones go on, nothing was freed, another device has its own bound")
        #expect(budget.refusedPerDevice == 2, "every refused reading counts")
        #expect(budget.count == 3)
    }

    @Test("a device that invents sites and lines shares one bound across them")
    func inventedSitesShareTheDevicesBound() {
        var budget = SeriesBudget(bounds: SeriesBounds(maxSeriesPerDevice: 3, maxSeries: 100))
        let admitted = (0..<1_000).filter { budget.admit(key("dev42", "m\($0)", site: "x\($0)")) }
        #expect(admitted == [0, 1, 2])
        #expect(budget.refusedPerDevice == 997)
        #expect(budget.count == 3)
        let kept = budget.admit(key("dev42", "m1", site: "x1"))
        #expect(kept, "a series it kept is still followed")
    }

    @Test("the same name in another family is another device")
    func familiesHaveTheirOwnDevices() {
        var budget = SeriesBudget(bounds: SeriesBounds(maxSeriesPerDevice: 1, maxSeries: 100))
        let results = [key("b1", "voltage", family: .battery), key("b1", "temperature"), key("b1", "current", family: .battery)]
            .map { budget.admit($0) }
        #expect(results == [true, true, false])
    }

    @Test("past the total bound every new series is refused, counted apart; followed ones go on")
    func theTotalBoundHolds() {
        var budget = SeriesBudget(bounds: SeriesBounds(maxSeriesPerDevice: 10, maxSeries: 5))
        let five = (0..<5).map { budget.admit(key("dev\($0)", "m")) }
        #expect(five == Array(repeating: true, count: 5))
        let more = [key("dev5", "m"), key("dev0", "other"), key("dev4", "m")].map { budget.admit($0) }
        #expect(more == [false, false, true], "a new device, a device with room of its own, one followed")
        #expect(budget.refusedTotal == 2 && budget.refusedPerDevice == 0)
        #expect(budget.lastRefused?.bound == .total)
        #expect(budget.count == 5)
    }

    @Test("a reserved series (an open alert) is followed whatever the bounds, and counts toward them")
    func reservedSeriesAreFollowed() {
        var budget = SeriesBudget(bounds: SeriesBounds(maxSeriesPerDevice: 1, maxSeries: 2))
        budget.reserve(key("dev1", "a"))
        budget.reserve(key("dev1", "b"))
        budget.reserve(key("dev1", "b"))
        #expect(budget.count == 2)
        let results = [key("dev1", "a"), key("dev1", "b"), key("dev2", "a")].map { budget.admit($0) }
        #expect(results == [true, true, false], "the total is taken")
    }

    @Test("new bounds (a reload) keep the series followed and decide about new ones")
    func reboundingKeepsWhatIsFollowed() {
        var budget = SeriesBudget(bounds: SeriesBounds(maxSeriesPerDevice: 1, maxSeries: 10))
        let before = [key("dev1", "a"), key("dev1", "b")].map { budget.admit($0) }
        #expect(before == [true, false])
        var wider = budget.rebounded(SeriesBounds(maxSeriesPerDevice: 2, maxSeries: 10))
        let widened = [key("dev1", "b"), key("dev1", "c")].map { wider.admit($0) }
        #expect(widened == [true, false])
        #expect(wider.refusedPerDevice == 2, "the counts go on")
        var narrower = wider.rebounded(SeriesBounds(maxSeriesPerDevice: 1, maxSeries: 1))
        let narrowed = [key("dev1", "a"), key("dev1", "b"), key("dev9", "a")].map { narrower.admit($0) }
        #expect(narrowed == [true, true, false], "nothing is taken away")
    }
}
