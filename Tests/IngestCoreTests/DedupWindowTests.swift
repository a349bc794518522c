import Testing
@testable import IngestCore

@Suite struct DedupWindowTests {
    static let t0 = Timestamp(rfc3339: "2026-11-23T08:00:00Z")!

    func reading(_ device: String, _ value: Double, metric: String = "temp", ts: Timestamp = t0) -> SensorReading {
        SensorReading(ts: ts, device: device, metric: metric, value: value, receivedAt: Self.t0)
    }

    @Test func firstSightOfAKeyIsNew() {
        var w = DedupWindow(capacity: 10)
        #expect(w.observe(reading("a", 1)) == .new)
        #expect(w.observe(reading("b", 1)) == .new)
        #expect(w.observe(reading("a", 1, metric: "hum")) == .new)
        #expect(w.observe(reading("a", 1, ts: Self.t0 + 1)) == .new)
        #expect(w.count == 4)
    }

    @Test func sameKeySameValueIsADuplicate() {
        var w = DedupWindow(capacity: 10)
        #expect(w.observe(reading("a", 21.5)) == .new)
        #expect(w.observe(reading("a", 21.5)) == .duplicate)
        #expect(w.observe(reading("a", 21.5)) == .duplicate)
        #expect(w.count == 1)
    }

    @Test func otherReceiptTimeAndOptionalFieldsDoNotMakeANewKey() {
        var w = DedupWindow(capacity: 10)
        #expect(w.observe(reading("a", 1)) == .new)
        var again = reading("a", 1)
        again.receivedAt = Self.t0 + 60
        again.unit = "C"
        again.seq = 9
        #expect(w.observe(again) == .duplicate)
    }

    @Test func sameKeyOtherValueIsACorrection() {
        var w = DedupWindow(capacity: 10)
        #expect(w.observe(reading("a", 21.5)) == .new)
        #expect(w.observe(reading("a", 22.0)) == .correction)
        #expect(w.count == 1)
    }

    @Test func repeatOfTheCorrectedValueIsThenADuplicate() {
        var w = DedupWindow(capacity: 10)
        #expect(w.observe(reading("a", 1)) == .new)
        #expect(w.observe(reading("a", 2)) == .correction)
        #expect(w.observe(reading("a", 2)) == .duplicate)
        #expect(w.observe(reading("a", 1)) == .correction)
        #expect(w.observe(reading("a", 1)) == .duplicate)
    }

    @Test func evictsTheOldestKeyWhenFull() {
        var w = DedupWindow(capacity: 3)
        #expect(w.observe(reading("a", 1)) == .new)
        #expect(w.observe(reading("b", 1)) == .new)
        #expect(w.observe(reading("c", 1)) == .new)
        #expect(w.observe(reading("d", 1)) == .new)      // evicts a
        #expect(w.count == 3)
        #expect(w.observe(reading("b", 1)) == .duplicate)
        #expect(w.observe(reading("c", 1)) == .duplicate)
        #expect(w.observe(reading("d", 1)) == .duplicate)
        #expect(w.observe(reading("a", 1)) == .new)      // forgotten, so new again; evicts b
        #expect(w.observe(reading("c", 1)) == .duplicate)
        #expect(w.observe(reading("b", 1)) == .new)      // evicts c
        #expect(w.observe(reading("c", 1)) == .new)      // evicts d
        #expect(w.observe(reading("a", 1)) == .duplicate)
        #expect(w.count == 3)
    }

    @Test func evictedKeyWithAnotherValueIsNewNotACorrection() {
        var w = DedupWindow(capacity: 2)
        _ = w.observe(reading("a", 1))
        _ = w.observe(reading("b", 1))
        _ = w.observe(reading("c", 1))
        #expect(w.observe(reading("a", 99)) == .new)
    }

    @Test func countNeverExceedsCapacityOverManyKeys() {
        var w = DedupWindow(capacity: 100)
        for i in 0..<1_000 {
            #expect(w.observe(reading("d\(i)", Double(i))) == .new)
        }
        #expect(w.count == 100)
        // The last 100 are remembered, the ones before are not.
        #expect(w.observe(reading("d999", 999)) == .duplicate)
        #expect(w.observe(reading("d900", 900)) == .duplicate)
        #expect(w.observe(reading("d899", 899)) == .new)
    }

    @Test func capacityOneRemembersOnlyTheLastKey() {
        var w = DedupWindow(capacity: 1)
        #expect(w.observe(reading("a", 1)) == .new)
        #expect(w.observe(reading("a", 1)) == .duplicate)
        #expect(w.observe(reading("a", 2)) == .correction)
        #expect(w.observe(reading("b", 1)) == .new)
        #expect(w.count == 1)
        #expect(w.observe(reading("b", 1)) == .duplicate)
        #expect(w.observe(reading("a", 2)) == .new)
        #expect(w.observe(reading("b", 1)) == .new)
        #expect(w.count == 1)
    }
}
