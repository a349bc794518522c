import Testing
@testable import IngestCore

/// One family's rows of a batch: what its table writer gets.
@Suite struct RowsTests {
    typealias F = Fixture

    // MARK: Unique keys (one INSERT … ON CONFLICT may not touch a row twice)

    @Test func recordsWithUniqueKeysKeepsTheLastOfRepeatedKeysInFirstSeenPosition() {
        let rows = Rows([F.reading("a", 1), F.reading("b", 1), F.reading("a", 2), F.reading("c", 1), F.reading("a", 3),
                         F.reading("b", 5)],
                        mayRepeatKeys: true)
        #expect(rows.recordsWithUniqueKeys == [F.reading("a", 3), F.reading("b", 5), F.reading("c", 1)])
    }

    @Test func recordsWithUniqueKeysTellsSensorKeysApartByDeviceMetricAndTime() {
        let other = F.reading("a", 2, metric: "hum")
        let later = F.reading("a", 3, ts: F.t0 + 1)
        let rows = Rows([F.reading("a", 1), other, later], mayRepeatKeys: true)
        #expect(rows.recordsWithUniqueKeys == [F.reading("a", 1), other, later])
    }

    @Test func recordsWithUniqueKeysLeavesRecordsAloneWithoutMayRepeatKeys() {
        let readings = [F.reading("a", 1), F.reading("a", 2)]
        #expect(Rows(readings).recordsWithUniqueKeys == readings)
    }

    @Test func recordsWithUniqueKeysUsesEachFamilysNaturalKey() {
        // battery: (battery, ts)
        let batteries = Rows([F.battery("b1", soc: 10), F.battery("b1", soc: 20, ts: F.t0 + 1), F.battery("b1", soc: 30)],
                             mayRepeatKeys: true)
        #expect(batteries.recordsWithUniqueKeys == [F.battery("b1", soc: 30), F.battery("b1", soc: 20, ts: F.t0 + 1)])
        // equipment state: (site, line, equipment, changed_at, source) — another tablet, or the
        // same name on another site, is another key
        var onSiteB = F.stateChange("p1", "red")
        onSiteB.site = "sB"
        let changes = Rows([F.stateChange("p1", "green"), F.stateChange("p1", "red", source: "tablet-2"),
                            onSiteB, F.stateChange("p1", "yellow")],
                           mayRepeatKeys: true)
        #expect(changes.recordsWithUniqueKeys == [F.stateChange("p1", "yellow"), F.stateChange("p1", "red", source: "tablet-2"), onSiteB])
        // machine event: event_id
        let events = Rows([F.event("e1", durationMs: 1), F.event("e2"), F.event("e1", durationMs: 2)], mayRepeatKeys: true)
        #expect(events.recordsWithUniqueKeys == [F.event("e1", durationMs: 2), F.event("e2")])
    }

    // MARK: Type-erased access

    @Test func typeErasedAccessorsReadTheRecords() {
        let later = F.t0 + 5
        let rows: any TableRows = Rows([F.reading("a"), F.reading("b", receivedAt: later)])
        #expect(rows.family == .sensor)
        #expect(rows.count == 2)
        #expect(rows.json(at: 1) == F.reading("b", receivedAt: later).json)
        #expect(rows.receivedAt(at: 0) == F.t0)
        #expect(rows.receivedAt(at: 1) == later)
        #expect(Rows([F.event("e1")]).family == .machineEvent)
        #expect(Rows([F.battery("b")]).family == .battery)
        #expect(Rows([F.stateChange("p")]).family == .equipmentState)
    }

    @Test func rowsOfDifferentFamiliesAreNeverEqual() {
        let sensor: any TableRows = Rows<SensorReading>()
        let battery: any TableRows = Rows<BatteryReading>()
        #expect(!sensor.isEqual(to: battery))
        #expect(sensor.isEqual(to: Rows<SensorReading>()))
    }

    @Test func splitGivesTheFirstNRowsAndTheRest() {
        let rows = Rows([F.reading("a"), F.reading("b"), F.reading("c")])
        let (first, second) = rows.split(at: 1)
        #expect((first as? Rows<SensorReading>)?.records == [F.reading("a")])
        #expect((second as? Rows<SensorReading>)?.records == [F.reading("b"), F.reading("c")])
    }
}
