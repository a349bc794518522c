import Testing
@testable import IngestCore

/// The merge rule every family shares (`FamilyRecord.verdict`), with each family's key,
/// business fields and version order.
@Suite struct FamilyRecordTests {
    typealias F = Fixture
    static let t0 = Fixture.t0

    func verdict<R: FamilyRecord>(_ record: R, against known: R) -> MergeVerdict {
        record.verdict(against: (known.content, known.order))
    }

    // MARK: The rule

    @Test func sameContentIsADuplicateWhateverTheOrder() {
        let known = F.event("e1", receivedTime: Self.t0 + 10)
        #expect(verdict(F.event("e1", receivedTime: Self.t0 + 10), against: known) == .duplicate)
        #expect(verdict(F.event("e1", receivedTime: Self.t0 + 20), against: known) == .duplicate)
        #expect(verdict(F.event("e1", receivedTime: Self.t0), against: known) == .duplicate)
    }

    @Test func otherContentWithALaterOrEqualOrderIsAnUpdate() {
        let known = F.event("e1", defects: 0, receivedTime: Self.t0 + 10)
        #expect(verdict(F.event("e1", defects: 1, receivedTime: Self.t0 + 11), against: known) == .updated)
        #expect(verdict(F.event("e1", defects: 1, receivedTime: Self.t0 + 10), against: known) == .updated)
    }

    @Test func otherContentWithAnEarlierOrderIsStale() {
        let known = F.event("e1", defects: 0, receivedTime: Self.t0 + 10)
        #expect(verdict(F.event("e1", defects: 1, receivedTime: Self.t0 + 9), against: known) == .stale)
        let oneMicroEarlier = Timestamp(microseconds: (Self.t0 + 10).microseconds - 1)
        #expect(verdict(F.event("e1", defects: 1, receivedTime: oneMicroEarlier), against: known) == .stale)
    }

    // MARK: Sensor: key (device, metric, ts), content (value, unit, quality), order receivedAt

    @Test func sensorKeyIsDeviceMetricAndTime() {
        let r = F.reading("d1", 1, metric: "temp")
        #expect(r.key == SensorKey(device: "d1", metric: "temp", ts: Self.t0))
        var other = r
        other.value = 2
        other.unit = "C"
        other.site = "s"
        #expect(other.key == r.key)
        #expect(F.reading("d1", metric: "hum").key != r.key)
        #expect(F.reading("d2").key != r.key)
        #expect(F.reading("d1", ts: Self.t0 + 1).key != r.key)
    }

    @Test(arguments: ["value", "unit", "quality"])
    func sensorBusinessFieldChangedIsAnUpdate(field: String) {
        let known = F.reading("d1", 1)
        var r = F.reading("d1", 1, receivedAt: Self.t0 + 1)
        switch field {
        case "value": r.value = 2
        case "unit": r.unit = "K"
        default: r.quality = "bad"
        }
        #expect(verdict(r, against: known) == .updated)
        r.receivedAt = Self.t0 - 1
        #expect(verdict(r, against: known) == .stale)
    }

    @Test func sensorSeqSiteLineAndReceiptAreNotBusinessFields() {
        let known = F.reading("d1", 1)
        var r = F.reading("d1", 1, receivedAt: Self.t0 + 1)
        r.seq = 4
        r.site = "s"
        r.line = "l"
        #expect(verdict(r, against: known) == .duplicate)
    }

    @Test func sensorOrderIsTheReceiptTime() {
        #expect(F.reading("d1", receivedAt: Self.t0 + 7).order == Self.t0 + 7)
        #expect(SensorReading.family == .sensor)
    }

    // MARK: Battery: key (battery, ts), content every measured parameter

    @Test(arguments: ["voltage", "current", "temperature", "soc", "soh", "cycles", "extra"])
    func batteryParameterChangedIsAnUpdate(field: String) {
        let known = BatteryReading(ts: Self.t0, battery: "b1", voltage: 48, current: 1, temperature: 20, soc: 50, soh: 99,
                                   cycles: 3, receivedAt: Self.t0)
        var r = known
        r.receivedAt = Self.t0 + 1
        switch field {
        case "voltage": r.voltage = 47
        case "current": r.current = nil
        case "temperature": r.temperature = 21
        case "soc": r.soc = 51
        case "soh": r.soh = 98
        case "cycles": r.cycles = 4
        default: r.extra = #"{"x":1}"#
        }
        #expect(r.key == known.key)
        #expect(verdict(r, against: known) == .updated)
    }

    @Test func batterySeqAndSiteAreNotBusinessFields() {
        let known = F.battery("b1")
        var r = F.battery("b1", receivedAt: Self.t0 + 1)
        r.seq = 9
        r.site = "s2"
        #expect(verdict(r, against: known) == .duplicate)
        #expect(F.battery("b1", ts: Self.t0 + 1).key != known.key)
        #expect(BatteryReading.family == .battery)
    }

    // MARK: Equipment state: key (site, line, equipment, changed_at, source), content (state, worker, seq)

    @Test func equipmentStateKeyIncludesTheSource() {
        let a = F.stateChange("p1", source: "tablet-1")
        #expect(F.stateChange("p1", source: "tablet-2").key != a.key)
        #expect(F.stateChange("p1", changedAt: Self.t0 + 1).key != a.key)
        #expect(F.stateChange("p1", "red").key == a.key)
        #expect(EquipmentStateChange.family == .equipmentState)
    }

    @Test("press1 of another site or line is another key, a level the route does not capture (nil) another value than \"\"")
    func equipmentStateKeyIncludesTheSiteAndLine() {
        func change(site: String?, line: String?) -> EquipmentStateChange {
            var c = F.stateChange("press1")
            c.site = site
            c.line = line
            return c
        }
        let a = change(site: "sA", line: "l1")
        #expect(change(site: "sA", line: "l1").key == a.key)
        #expect(change(site: "sB", line: "l1").key != a.key)
        #expect(change(site: "sA", line: "l2").key != a.key)
        #expect(change(site: nil, line: "l1").key != a.key)
        #expect(change(site: nil, line: nil).key == change(site: nil, line: nil).key, "NULL is one value in the key")
        #expect(change(site: nil, line: nil).key != change(site: "", line: "").key, "the key holds the stored values")
        #expect(change(site: "sB", line: "l1").content == a.content)
    }

    @Test(arguments: ["state", "worker", "seq"])
    func equipmentStateBusinessFieldChangedIsAnUpdate(field: String) {
        let known = F.stateChange("p1", "green", seq: 1)
        var r = known
        r.receivedAt = Self.t0 + 1
        switch field {
        case "state": r.state = "red"
        case "worker": r.worker = "w7"
        default: r.seq = 2
        }
        #expect(verdict(r, against: known) == .updated)
        r.receivedAt = Self.t0 - 1
        #expect(verdict(r, against: known) == .stale)
    }

    // MARK: Machine event: key (machine, event_id), order received_time

    @Test(arguments: ["line", "event_time", "duration_ms", "defect_count"])
    func machineEventBusinessFieldChangedIsAnUpdate(field: String) {
        let known = F.event("e1")
        var r = known
        r.receivedTime = Self.t0 + 1
        switch field {
        case "line": r.line = "l2"
        case "event_time": r.eventTime = Self.t0 + 5
        case "duration_ms": r.durationMs += 1
        default: r.defectCount = 7
        }
        #expect(r.key == known.key)
        #expect(verdict(r, against: known) == .updated)
    }

    /// An event belongs to the machine whose topic stored it: the same event_id from another
    /// machine is another event, never a version of this one.
    @Test func machineEventOfAnotherMachineWithTheSameEventIDHasAnotherKey() {
        let known = F.event("e1")
        var other = known
        other.machine = "m8"
        #expect(other.key != known.key)
        #expect(other.key == MachineEvent.Key(machine: "m8", eventID: "e1"))
    }

    @Test func machineEventSiteAndReceiptAreNotBusinessFieldsAndReceivedTimeIsTheOrder() {
        let known = F.event("e1")
        var r = known
        r.site = "s2"
        r.receivedAt = Self.t0 + 100
        #expect(verdict(r, against: known) == .duplicate)
        r.defectCount = 1
        r.receivedTime = Self.t0 - 1
        #expect(verdict(r, against: known) == .stale, "received_time orders versions, not ingestd's receipt")
        #expect(MachineEvent.family == .machineEvent)
    }
}
