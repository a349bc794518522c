import Testing
@testable import IngestCore

@Suite struct WindowAggregatorTests {
    /// 08:00:00 UTC: a whole minute, so the windows below start on it.
    static let t0 = Fixture.t0

    /// `seconds` after t0.
    static func at(_ seconds: Double) -> Timestamp {
        Timestamp(microseconds: t0.microseconds + Int64((seconds * 1_000_000).rounded()))
    }

    static let temp = SeriesKey(family: .sensor, site: "s1", device: "d1", metric: "temp")

    func aggregator(windows: [Duration] = [.seconds(10)], grace: Duration = .seconds(5),
                    families: [Family] = [.sensor, .battery]) -> WindowAggregator {
        WindowAggregator(settings: AggregateSettings(windows: windows, grace: grace, families: families))
    }

    /// Everything the watermark `to` closes.
    func advance(_ a: inout WindowAggregator, to watermark: Timestamp) -> [WindowSummary] {
        var out: [WindowSummary] = []
        a.advance(to: watermark, into: &out)
        return out
    }

    // MARK: Alignment and labels

    @Test func windowsAlignToTheEpoch() {
        var a = aggregator(windows: [.seconds(10), .seconds(60)])
        #expect(a.add(Self.temp, ts: Self.at(3), value: 1) == true)
        #expect(a.add(Self.temp, ts: Self.at(12.5), value: 2) == true)
        let out = advance(&a, to: Self.at(3_600))
        #expect(out.map { [$0.window, "\($0.start)", "\($0.end)"] } == [
            ["10s", "2026-11-23T08:00:00.000000Z", "2026-11-23T08:00:10.000000Z"],
            ["10s", "2026-11-23T08:00:10.000000Z", "2026-11-23T08:00:20.000000Z"],
            ["1m", "2026-11-23T08:00:00.000000Z", "2026-11-23T08:01:00.000000Z"],
        ])
        #expect(out.map(\.length) == [.seconds(10), .seconds(10), .seconds(60)])
    }

    /// floor, not truncation: before 1970 a window still starts at or before its readings.
    @Test func windowsBeforeTheEpochStartAtTheFloor() {
        var a = aggregator()
        #expect(a.add(Self.temp, ts: Timestamp(microseconds: -3_000_000), value: 1) == true)
        #expect(a.add(Self.temp, ts: Timestamp(microseconds: 7_000_000), value: 1) == true)
        let out = advance(&a, to: Timestamp(microseconds: 60_000_000))
        #expect(out.map(\.start.microseconds) == [-10_000_000, 0])
        #expect(out.map(\.end.microseconds) == [0, 10_000_000])
    }

    @Test(arguments: [(Duration.seconds(10), "10s"), (.seconds(30), "30s"), (.seconds(60), "1m"), (.seconds(300), "5m"),
                      (.seconds(3_600), "1h"), (.seconds(90), "90s"), (.seconds(5_400), "90m"), (.seconds(7_200), "2h"),
                      (.seconds(86_400), "24h"), (.milliseconds(500), "500ms")])
    func windowLabels(window: Duration, label: String) {
        #expect(AggregateSettings.label(window) == label)
    }

    @Test func defaultsAreTenSecondsAndAMinuteWithFiveSecondsGrace() {
        let s = AggregateSettings()
        #expect(s.enabled)
        #expect(s.windows == [.seconds(10), .seconds(60)])
        #expect(s.windows.map(AggregateSettings.label) == ["10s", "1m"])
        #expect(s.grace == .seconds(5))
        #expect(s.families == [.sensor, .battery])
    }

    // MARK: Values

    @Test func aSummaryHoldsCountMinMaxAvgAndLastExactly() {
        var a = aggregator()
        for (t, v) in [(1.0, 4.0), (3, -2), (2, 7.5), (5, 0.5)] { #expect(a.add(Self.temp, ts: Self.at(t), value: v) == true) }
        let out = advance(&a, to: Self.at(15))
        #expect(out == [WindowSummary(window: "10s", length: .seconds(10), key: Self.temp, start: Self.at(0), end: Self.at(10),
                                      count: 4, min: -2, max: 7.5, avg: 2.5, last: 0.5, lastTs: Self.at(5))])
    }

    /// `last` is the value of the greatest time, not the last one added.
    @Test func lastIsTheLatestInTimeNotInArrival() {
        var a = aggregator()
        #expect(a.add(Self.temp, ts: Self.at(9), value: 1) == true)
        #expect(a.add(Self.temp, ts: Self.at(4), value: 2) == true)
        let out = advance(&a, to: Self.at(15))
        #expect(out.first?.last == 1)
        #expect(out.first?.lastTs == Self.at(9))
    }

    @Test func ofTwoValuesAtTheSameTimeTheOneAddedLaterIsLast() {
        var a = aggregator()
        #expect(a.add(Self.temp, ts: Self.at(4), value: 1) == true)
        #expect(a.add(Self.temp, ts: Self.at(4), value: 2) == true)
        #expect(advance(&a, to: Self.at(15)).first?.last == 2)
    }

    @Test func seriesAreKeptApart() {
        var a = aggregator()
        let hum = SeriesKey(family: .sensor, site: "s1", device: "d1", metric: "hum")
        let otherSite = SeriesKey(family: .sensor, site: "s2", device: "d1", metric: "temp")
        #expect(a.add(Self.temp, ts: Self.at(1), value: 1) == true)
        #expect(a.add(hum, ts: Self.at(1), value: 50) == true)
        #expect(a.add(otherSite, ts: Self.at(1), value: 3) == true)
        #expect(a.openWindows == 3)
        let out = advance(&a, to: Self.at(15))
        #expect(out.map(\.key) == [hum, Self.temp, otherSite])
        #expect(out.map(\.avg) == [50, 1, 3])
    }

    // MARK: Closing, grace and late data

    @Test func aWindowClosesExactlyWhenTheWatermarkReachesEndPlusGrace() {
        var a = aggregator(grace: .seconds(5))
        #expect(a.add(Self.temp, ts: Self.at(1), value: 1) == true)
        #expect(advance(&a, to: Self.at(10)).isEmpty, "the window ended but its grace has not")
        #expect(advance(&a, to: Self.at(14.999_999)).isEmpty)
        #expect(a.openWindows == 1)
        #expect(advance(&a, to: Self.at(15)).map(\.end) == [Self.at(10)])
        #expect(a.openWindows == 0)
        #expect(advance(&a, to: Self.at(100)).isEmpty, "a window is handed out once")
    }

    @Test func withoutGraceAWindowClosesAtItsEnd() {
        var a = aggregator(grace: .zero)
        #expect(a.add(Self.temp, ts: Self.at(9.999_999), value: 1) == true)
        #expect(advance(&a, to: Self.at(9.999_999)).isEmpty)
        #expect(advance(&a, to: Self.at(10)).count == 1)
        #expect(a.add(Self.temp, ts: Self.at(9.999_999), value: 1) == false)
        #expect(a.add(Self.temp, ts: Self.at(10), value: 1) == true)
    }

    @Test func aReadingWithinTheGraceStillCounts() {
        var a = aggregator(grace: .seconds(5))
        #expect(a.add(Self.temp, ts: Self.at(1), value: 1) == true)
        #expect(advance(&a, to: Self.at(14.999_999)).isEmpty)
        #expect(a.add(Self.temp, ts: Self.at(9), value: 3) == true, "its window ended 5 s ago but is still open")
        #expect(a.late == 0)
        let out = advance(&a, to: Self.at(15))
        #expect(out.map(\.count) == [2])
        #expect(out.map(\.avg) == [2])
    }

    @Test func aReadingAfterTheGraceIsLateCountedAndNotAggregated() {
        var a = aggregator(grace: .seconds(5))
        #expect(a.add(Self.temp, ts: Self.at(1), value: 1) == true)
        #expect(advance(&a, to: Self.at(15)).map(\.count) == [1])
        #expect(a.add(Self.temp, ts: Self.at(9.999_999), value: 100) == false)
        #expect(a.late == 1)
        #expect(a.openWindows == 0, "a late reading opens no window")
        #expect(a.add(Self.temp, ts: Self.at(10), value: 2) == true, "the next window is open")
        #expect(advance(&a, to: Self.at(25)).map(\.max) == [2])
    }

    /// Lateness depends on the time alone: a series that never had the window is late too.
    @Test func aClosedWindowIsClosedForEverySeries() {
        var a = aggregator(grace: .seconds(5))
        #expect(advance(&a, to: Self.at(15)).isEmpty)
        let other = SeriesKey(family: .sensor, site: nil, device: "new", metric: "temp")
        #expect(a.add(other, ts: Self.at(5), value: 1) == false)
        #expect(a.late == 1)
    }

    @Test func aReadingLateForTheShortWindowStillGoesIntoTheLongOne() {
        var a = aggregator(windows: [.seconds(10), .seconds(60)], grace: .seconds(5))
        #expect(a.add(Self.temp, ts: Self.at(1), value: 1) == true)
        #expect(advance(&a, to: Self.at(15)).map(\.window) == ["10s"])
        #expect(a.add(Self.temp, ts: Self.at(8), value: 5) == false, "late for 10 s")
        #expect(a.late == 1)
        let out = advance(&a, to: Self.at(65))
        #expect(out.map(\.window) == ["1m"])
        #expect(out.map(\.count) == [2])
        #expect(out.map(\.max) == [5])
    }

    @Test func aReadingLateForSeveralLengthsCountsOnce() {
        var a = aggregator(windows: [.seconds(10), .seconds(60)], grace: .seconds(5))
        #expect(advance(&a, to: Self.at(65)).isEmpty)
        #expect(a.add(Self.temp, ts: Self.at(30), value: 1) == false)
        #expect(a.late == 1)
        #expect(a.openWindows == 0)
    }

    @Test func twoLengthsAtOnce() {
        var a = aggregator(windows: [.seconds(60), .seconds(10)], grace: .seconds(5))
        for s in 0..<60 { #expect(a.add(Self.temp, ts: Self.at(Double(s)), value: Double(s)) == true) }
        #expect(a.openWindows == 7)
        let out = advance(&a, to: Self.at(65))
        #expect(out.map(\.window) == ["10s", "10s", "10s", "10s", "10s", "10s", "1m"],
                "by end; at the same end, the shorter length first")
        #expect(out.map(\.count) == [10, 10, 10, 10, 10, 10, 60])
        #expect(out.map(\.avg) == [4.5, 14.5, 24.5, 34.5, 44.5, 54.5, 29.5])
        #expect(out.map(\.min) == [0, 10, 20, 30, 40, 50, 0])
        #expect(out.map(\.last) == [9, 19, 29, 39, 49, 59, 59])
        #expect(a.openWindows == 0)
    }

    @Test func closedWindowsComeOutByEndThenKey() {
        var a = aggregator(windows: [.seconds(10)], grace: .zero)
        let keys = [
            SeriesKey(family: .sensor, site: "b", device: "d1", metric: "temp"),
            SeriesKey(family: .sensor, site: nil, device: "d2", metric: "temp"),
            SeriesKey(family: .battery, site: "a", device: "b1", metric: "soc"),
            SeriesKey(family: .sensor, site: "a", device: "d1", metric: "temp"),
            SeriesKey(family: .sensor, site: "a", device: "d1", metric: "hum"),
            SeriesKey(family: .battery, site: "a", device: "b1", metric: "current"),
        ]
        for k in keys { #expect(a.add(k, ts: Self.at(15), value: 1) == true) }
        for k in keys.reversed() { #expect(a.add(k, ts: Self.at(5), value: 1) == true) }
        let out = advance(&a, to: Self.at(20))
        let sorted = [keys[5], keys[2], keys[1], keys[4], keys[3], keys[0]]
        #expect(out.map(\.end) == Array(repeating: Self.at(10), count: 6) + Array(repeating: Self.at(20), count: 6))
        #expect(out.map(\.key) == sorted + sorted)
    }

    /// The same readings and watermarks give the same summaries in the same order, however
    /// the dictionaries inside happen to iterate.
    @Test func replayingTheSameInputGivesTheSameOutput() {
        func run() -> [WindowSummary] {
            var a = aggregator(windows: [.seconds(10), .seconds(60)], grace: .seconds(5))
            var out: [WindowSummary] = []
            for i in 0..<3_000 {
                let key = SeriesKey(family: i % 7 == 0 ? .battery : .sensor, site: i % 5 == 0 ? nil : "s\(i % 3)",
                                    device: "d\(i % 41)", metric: "m\(i % 4)")
                let t = Self.at(Double(i) * 0.05 + Double(i % 11) * 0.5)
                _ = a.add(key, ts: t, value: Double(i % 97))
                if i % 50 == 0 { a.advance(to: Self.at(Double(i) * 0.05), into: &out) }
            }
            a.advance(to: Self.at(1_000), into: &out)
            #expect(a.openWindows == 0)
            return out
        }
        let first = run()
        #expect(first.count > 100)
        #expect(first == run())
        #expect(zip(first, first.dropFirst()).allSatisfy { !WindowAggregator.precedes($1, $0) })
    }

    // MARK: Watermark and memory

    @Test func theWatermarkNeverGoesBackward() {
        var a = aggregator(grace: .seconds(5))
        #expect(a.add(Self.temp, ts: Self.at(21), value: 1) == true)
        #expect(advance(&a, to: Self.at(20)).isEmpty)
        #expect(advance(&a, to: Self.at(5)).isEmpty)
        #expect(a.watermark == Self.at(20))
        #expect(a.add(Self.temp, ts: Self.at(9), value: 1) == false, "still late by the greater watermark")
        #expect(a.add(Self.temp, ts: Self.at(12), value: 1) == true)
        #expect(advance(&a, to: Self.at(25)).map(\.start) == [Self.at(10)])
    }

    @Test func noWatermarkYetMeansNothingIsLate() {
        var a = aggregator()
        #expect(a.watermark == nil)
        #expect(a.add(Self.temp, ts: Timestamp(microseconds: 0), value: 1) == true)
        #expect(a.late == 0)
    }

    @Test func openWindowsReturnToZeroOnceTheWatermarkPassesThem() {
        var a = aggregator(windows: [.seconds(10), .seconds(60)], grace: .seconds(5))
        for d in 0..<500 {
            let key = SeriesKey(family: .sensor, site: nil, device: "d\(d)", metric: "temp")
            #expect(a.add(key, ts: Self.at(Double(d % 30)), value: 1) == true)
        }
        #expect(a.openWindows == 500 * 2)
        var out: [WindowSummary] = []
        a.advance(to: Self.at(65), into: &out)
        #expect(out.count == 1_000)
        #expect(a.openWindows == 0)
    }

    /// With the watermark following the readings, each series holds at most a couple of
    /// windows per length, however long it runs.
    @Test func memoryStaysBoundedWhileStreaming() {
        var a = aggregator(windows: [.seconds(10), .seconds(60)], grace: .seconds(5))
        let series = 20
        var out: [WindowSummary] = []
        var most = 0
        for s in 0..<1_800 {
            for d in 0..<series {
                _ = a.add(SeriesKey(family: .sensor, site: nil, device: "d\(d)", metric: "temp"), ts: Self.at(Double(s)), value: 1)
            }
            a.advance(to: Self.at(Double(s)), into: &out)
            most = max(most, a.openWindows)
        }
        #expect(most <= series * 4)
        #expect(out.count == series * (179 + 29), "every window that ended 5 s before the last watermark")
        #expect(a.late == 0)
    }

    // MARK: What is left out

    @Test func disabledOrUnlistedFamiliesAreIgnored() {
        var off = WindowAggregator(settings: AggregateSettings(enabled: false))
        #expect(off.add(Self.temp, ts: Self.at(1), value: 1) == true)
        #expect(off.openWindows == 0)
        var batteryOnly = aggregator(families: [.battery])
        #expect(batteryOnly.add(Self.temp, ts: Self.at(1), value: 1) == true)
        #expect(batteryOnly.openWindows == 0)
        #expect(batteryOnly.add(Fixture.reading("d1")) == true, "a sensor reading")
        #expect(batteryOnly.openWindows == 0)
    }

    @Test func nonFiniteValuesAreIgnoredWithoutHarm() {
        var a = aggregator()
        #expect(a.add(Self.temp, ts: Self.at(1), value: .nan) == true)
        #expect(a.add(Self.temp, ts: Self.at(1), value: .infinity) == true)
        #expect(a.openWindows == 0)
        #expect(a.add(Self.temp, ts: Self.at(1), value: 2) == true)
        #expect(advance(&a, to: Self.at(15)).map(\.avg) == [2])
    }

    @Test func extremeTimesAndSettingsDoNotTrap() {
        // 2^42 s is beyond the aggregator's bound of 2^61 µs: clamped to it.
        var a = WindowAggregator(settings: AggregateSettings(windows: [.zero, .seconds(10), .seconds(10), .seconds(1 << 42)],
                                                             grace: .seconds(1 << 42)))
        #expect(a.add(Self.temp, ts: Timestamp(microseconds: .max), value: 1) == true)
        #expect(a.add(Self.temp, ts: Timestamp(microseconds: .min), value: 1) == true)
        #expect(a.openWindows == 0)
        #expect(a.add(Self.temp, ts: Self.at(1), value: 1) == true)
        #expect(a.openWindows == 2, "the zero and the repeated length are left out")
        #expect(advance(&a, to: Timestamp(microseconds: .max)).count == 2, "end plus grace stays below the greatest time")
        #expect(a.add(Self.temp, ts: Self.at(1), value: 1) == false)
    }

    // MARK: Families

    @Test func aSensorReadingIsASeriesOfItsDeviceAndMetric() {
        var a = aggregator()
        var r = Fixture.reading("d1", 21.5, metric: "temp", ts: Self.at(2))
        r.site = "s1"
        r.line = "l1"
        #expect(a.add(r) == true)
        #expect(advance(&a, to: Self.at(15)).map(\.key) == [Self.temp])
    }

    @Test func aBatteryReadingIsOneSeriesPerParameter() {
        var a = aggregator()
        var r = BatteryReading(ts: Self.at(2), battery: "b1", site: "s1", voltage: 48.5, current: -3, soc: 80, cycles: 12,
                               receivedAt: Self.at(2))
        #expect(a.add(r) == true)
        let out = advance(&a, to: Self.at(15))
        #expect(out.map(\.key.metric) == ["current", "soc", "voltage"])
        #expect(out.map(\.avg) == [-3, 80, 48.5])
        #expect(out.allSatisfy { $0.key.family == .battery && $0.key.device == "b1" && $0.key.site == "s1" })
        r.ts = Self.at(3)
        #expect(a.add(r) == false, "late")
        #expect(a.late == 1, "one reading, counted once for its three parameters")
    }
}
