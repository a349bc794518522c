import Testing
@testable import IngestCore

@Suite struct DedupWindowTests {
    static let t0 = Fixture.t0

    func reading(_ device: String, _ value: Double, metric: String = "temp", ts: Timestamp = t0,
                 receivedAt: Timestamp = t0) -> SensorReading {
        SensorReading(ts: ts, device: device, metric: metric, value: value, receivedAt: receivedAt)
    }

    // MARK: Sensor

    @Test func firstSightOfAKeyIsNew() {
        var w = DedupWindow<SensorReading>(capacity: 10)
        #expect(w.observe(reading("a", 1)) == .new)
        #expect(w.observe(reading("b", 1)) == .new)
        #expect(w.observe(reading("a", 1, metric: "hum")) == .new)
        #expect(w.observe(reading("a", 1, ts: Self.t0 + 1)) == .new)
        #expect(w.count == 4)
    }

    @Test func sameKeySameValueIsADuplicate() {
        var w = DedupWindow<SensorReading>(capacity: 10)
        #expect(w.observe(reading("a", 21.5)) == .new)
        #expect(w.observe(reading("a", 21.5)) == .duplicate)
        #expect(w.observe(reading("a", 21.5, receivedAt: Self.t0 + 1)) == .duplicate)
        #expect(w.count == 1)
    }

    @Test func otherReceiptTimeSeqSiteAndLineDoNotMakeANewKeyOrAnUpdate() {
        var w = DedupWindow<SensorReading>(capacity: 10)
        #expect(w.observe(reading("a", 1)) == .new)
        var again = reading("a", 1)
        again.receivedAt = Self.t0 + 60
        again.seq = 9
        again.site = "s1"
        again.line = "l1"
        #expect(w.observe(again) == .duplicate)
    }

    /// The table's ON CONFLICT compares value, unit and quality; the window does the same.
    @Test func aChangeOfUnitOrQualityAloneIsAnUpdate() {
        var w = DedupWindow<SensorReading>(capacity: 10)
        #expect(w.observe(reading("a", 1)) == .new)
        var withUnit = reading("a", 1, receivedAt: Self.t0 + 1)
        withUnit.unit = "C"
        #expect(w.observe(withUnit) == .updated)
        #expect(w.observe(withUnit) == .duplicate)
        var withQuality = withUnit
        withQuality.receivedAt = Self.t0 + 2
        withQuality.quality = "bad"
        #expect(w.observe(withQuality) == .updated)
        #expect(w.observe(withQuality) == .duplicate)
    }

    @Test func sameKeyOtherValueReceivedLaterIsAnUpdate() {
        var w = DedupWindow<SensorReading>(capacity: 10)
        #expect(w.observe(reading("a", 21.5)) == .new)
        #expect(w.observe(reading("a", 22.0, receivedAt: Self.t0 + 1)) == .updated)
        #expect(w.count == 1)
    }

    /// Two versions received in the same microsecond: the later in arrival order wins.
    @Test func sameKeyOtherValueReceivedAtTheSameTimeIsAnUpdate() {
        var w = DedupWindow<SensorReading>(capacity: 10)
        #expect(w.observe(reading("a", 1)) == .new)
        #expect(w.observe(reading("a", 2)) == .updated)
        #expect(w.observe(reading("a", 1)) == .updated)
    }

    @Test func repeatOfTheUpdatedValueIsThenADuplicate() {
        var w = DedupWindow<SensorReading>(capacity: 10)
        #expect(w.observe(reading("a", 1)) == .new)
        #expect(w.observe(reading("a", 2, receivedAt: Self.t0 + 1)) == .updated)
        #expect(w.observe(reading("a", 2, receivedAt: Self.t0 + 2)) == .duplicate)
        #expect(w.observe(reading("a", 1, receivedAt: Self.t0 + 3)) == .updated)
        #expect(w.observe(reading("a", 1, receivedAt: Self.t0 + 4)) == .duplicate)
    }

    @Test func olderVersionWithOtherValueIsStaleAndChangesNothing() {
        var w = DedupWindow<SensorReading>(capacity: 10)
        #expect(w.observe(reading("a", 2, receivedAt: Self.t0 + 10)) == .new)
        #expect(w.observe(reading("a", 1, receivedAt: Self.t0 + 5)) == .stale)
        #expect(w.observe(reading("a", 2, receivedAt: Self.t0 + 11)) == .duplicate, "the remembered version is still 2")
        #expect(w.observe(reading("a", 1, receivedAt: Self.t0 + 9)) == .stale, "its order is still that of version 2")
    }

    // MARK: Capacity

    @Test func evictsTheOldestKeyWhenFull() {
        var w = DedupWindow<SensorReading>(capacity: 3)
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

    /// An update refreshes the key's version, not its place: eviction follows first sight.
    @Test func anUpdateDoesNotKeepAKeyLongerInTheWindow() {
        var w = DedupWindow<SensorReading>(capacity: 2)
        _ = w.observe(reading("a", 1))
        _ = w.observe(reading("b", 1))
        #expect(w.observe(reading("a", 2)) == .updated)
        #expect(w.observe(reading("c", 1)) == .new)      // evicts a, the first seen
        #expect(w.observe(reading("a", 2)) == .new)
    }

    @Test func evictedKeyWithAnotherValueIsNewNotAnUpdate() {
        var w = DedupWindow<SensorReading>(capacity: 2)
        _ = w.observe(reading("a", 1))
        _ = w.observe(reading("b", 1))
        _ = w.observe(reading("c", 1))
        #expect(w.observe(reading("a", 99)) == .new)
    }

    @Test func countNeverExceedsCapacityOverManyKeys() {
        var w = DedupWindow<SensorReading>(capacity: 100)
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
        var w = DedupWindow<SensorReading>(capacity: 1)
        #expect(w.observe(reading("a", 1)) == .new)
        #expect(w.observe(reading("a", 1)) == .duplicate)
        #expect(w.observe(reading("a", 2)) == .updated)
        #expect(w.observe(reading("b", 1)) == .new)
        #expect(w.count == 1)
        #expect(w.observe(reading("b", 1)) == .duplicate)
        #expect(w.observe(reading("a", 2)) == .new)
        #expect(w.observe(reading("b", 1)) == .new)
        #expect(w.count == 1)
    }

    // MARK: Battery

    @Test func batteryReadingsMergeOnEveryMeasuredParameter() {
        var w = DedupWindow<BatteryReading>(capacity: 10)
        var r = BatteryReading(ts: Self.t0, battery: "b1", voltage: 48.1, soc: 80, receivedAt: Self.t0)
        #expect(w.observe(r) == .new)
        var again = r
        again.receivedAt = Self.t0 + 1
        again.seq = 7
        again.site = "s9"
        #expect(w.observe(again) == .duplicate, "seq, site and receipt are not measured parameters")
        r.receivedAt = Self.t0 + 2
        r.cycles = 12
        #expect(w.observe(r) == .updated)
        r.receivedAt = Self.t0 + 3
        r.extra = #"{"mode":"eco"}"#
        #expect(w.observe(r) == .updated)
        var older = r
        older.receivedAt = Self.t0
        older.voltage = 47
        #expect(w.observe(older) == .stale)
        #expect(w.observe(r) == .duplicate)
        #expect(w.observe(BatteryReading(ts: Self.t0 + 1, battery: "b1", soc: 80, receivedAt: Self.t0)) == .new)
    }

    // MARK: Equipment state

    @Test func equipmentStateChangesAreKeyedByEquipmentChangedAtAndSource() {
        var w = DedupWindow<EquipmentStateChange>(capacity: 10)
        let change = Fixture.stateChange("press-1", "red", source: "tablet-1", seq: 3)
        #expect(w.observe(change) == .new)
        #expect(w.observe(Fixture.stateChange("press-1", "red", source: "tablet-1", seq: 3, receivedAt: Self.t0 + 9)) == .duplicate)
        #expect(w.observe(Fixture.stateChange("press-1", "red", source: "tablet-2", seq: 3)) == .new)
        #expect(w.observe(Fixture.stateChange("press-1", "red", changedAt: Self.t0 + 1, source: "tablet-1", seq: 3)) == .new)
        #expect(w.observe(Fixture.stateChange("press-1", "yellow", source: "tablet-1", seq: 3, receivedAt: Self.t0 + 10)) == .updated)
        #expect(w.observe(Fixture.stateChange("press-1", "red", source: "tablet-1", seq: 3, receivedAt: Self.t0 + 5)) == .stale)
    }

    @Test("press1 of site B with the changed_at and source of site A's press1 is new, not a duplicate or a correction of it")
    func equipmentStateChangesOfTheSameNameOnAnotherSiteAreNew() {
        var w = DedupWindow<EquipmentStateChange>(capacity: 10)
        func change(_ state: String, site: String?, line: String? = "l1", receivedAt: Timestamp = Self.t0) -> EquipmentStateChange {
            var c = Fixture.stateChange("press1", state, source: "tablet-1", seq: 3, receivedAt: receivedAt)
            c.site = site
            c.line = line
            return c
        }
        #expect(w.observe(change("red", site: "sB")) == .new)
        #expect(w.observe(change("red", site: "sA")) == .new, "site A's change taken as a duplicate of site B's")
        #expect(w.observe(change("green", site: "sA", line: "l2", receivedAt: Self.t0 + 1)) == .new)
        #expect(w.observe(change("yellow", site: nil, receivedAt: Self.t0 + 2)) == .new)
        #expect(w.observe(change("green", site: "sA", receivedAt: Self.t0 + 3)) == .updated, "a correction of site A's own change")
        #expect(w.observe(change("red", site: "sB", receivedAt: Self.t0 + 4)) == .duplicate, "site B's change is still its own")
    }

    // MARK: Machine events (ordered by received_time)

    @Test func machineEventCorrectionReceivedLaterIsAnUpdate() {
        var w = DedupWindow<MachineEvent>(capacity: 10)
        #expect(w.observe(Fixture.event("e1", defects: 0, receivedTime: Self.t0)) == .new)
        #expect(w.observe(Fixture.event("e1", defects: 2, receivedTime: Self.t0 + 30)) == .updated)
        #expect(w.observe(Fixture.event("e1", defects: 2, receivedTime: Self.t0 + 60)) == .duplicate)
    }

    @Test func machineEventOriginalArrivingAfterItsCorrectionIsStaleAndDoesNotReplaceIt() {
        var w = DedupWindow<MachineEvent>(capacity: 10)
        let original = Fixture.event("e1", defects: 0, receivedTime: Self.t0)
        let correction = Fixture.event("e1", defects: 2, receivedTime: Self.t0 + 30)
        #expect(w.observe(correction) == .new)
        #expect(w.observe(original) == .stale)
        #expect(w.observe(correction) == .duplicate, "the correction is still the remembered version")
        #expect(w.observe(original) == .stale)
    }

    @Test func machineEventWithEqualReceivedTimeAndOtherContentIsAnUpdate() {
        var w = DedupWindow<MachineEvent>(capacity: 10)
        #expect(w.observe(Fixture.event("e1", durationMs: 1_000)) == .new)
        #expect(w.observe(Fixture.event("e1", durationMs: 1_500)) == .updated)
        #expect(w.observe(Fixture.event("e1", durationMs: 1_500)) == .duplicate)
    }

    /// m8 sending m7's event_id with a later received_time is m8's own event: m7's version
    /// stays what the window knows, and m7's own correction is still an update.
    @Test func anotherMachinesEventWithTheSameEventIDIsNewAndLeavesTheOwnersVersion() {
        var w = DedupWindow<MachineEvent>(capacity: 10)
        var m7 = Fixture.event("e1", defects: 0, receivedTime: Self.t0)
        m7.machine = "m7"
        var m8 = Fixture.event("e1", defects: 9, receivedTime: Self.t0 + 3_600)
        m8.machine = "m8"
        #expect(w.observe(m7) == .new)
        #expect(w.observe(m8) == .new)
        var correction = m7
        correction.defectCount = 2
        correction.receivedTime = Self.t0 + 30
        #expect(w.observe(correction) == .updated)
    }

    @Test func machineEventsAreForgottenOldestFirst() {
        var w = DedupWindow<MachineEvent>(capacity: 2)
        #expect(w.observe(Fixture.event("e1")) == .new)
        #expect(w.observe(Fixture.event("e2")) == .new)
        #expect(w.observe(Fixture.event("e3")) == .new)   // evicts e1
        #expect(w.count == 2)
        #expect(w.observe(Fixture.event("e2")) == .duplicate)
        // e1 was forgotten: even its stale version is new to the window (the table's ON
        // CONFLICT clause decides then).
        #expect(w.observe(Fixture.event("e1", defects: 9, receivedTime: Self.t0 - 60)) == .new)
    }
}
