import Testing
@testable import IngestCore

@Suite struct BatchTests {
    typealias F = Fixture

    /// Sensor rows, battery rows, machine events and dead letters: one batch across families.
    func mixed() -> Batch {
        Batch(tables: [Rows([F.reading("a"), F.reading("b"), F.reading("c")]),
                       Rows([F.battery("b1"), F.battery("b2")]),
                       Rows([F.event("e1")])],
              deadLetters: [F.letter("x"), F.letter("y")], lastSequence: 42)
    }

    // MARK: Counting

    @Test func countsRowsOfEveryTableAndDeadLetters() {
        #expect(Batch().isEmpty)
        #expect(Batch().count == 0)
        let b = mixed()
        #expect(!b.isEmpty)
        #expect(b.rowCount == 6)
        #expect(b.count == 8)
        #expect(!Batch(deadLetters: [F.letter("x")]).isEmpty)
        #expect(Batch(deadLetters: [F.letter("x")]).rowCount == 0)
    }

    @Test func emptyTablesAreDropped() {
        let b = Batch(tables: [Rows<SensorReading>(), Rows([F.battery("b1")]), Rows<MachineEvent>()])
        #expect(b.tables.count == 1)
        #expect(b.tables.first?.family == .battery)
        #expect(Batch(tables: [Rows<SensorReading>()]).isEmpty)
    }

    @Test func rowsOfAFamilyAreFoundByRecordType() {
        let b = mixed()
        #expect(b.rows(SensorReading.self) == [F.reading("a"), F.reading("b"), F.reading("c")])
        #expect(b.rows(BatteryReading.self) == [F.battery("b1"), F.battery("b2")])
        #expect(b.rows(MachineEvent.self) == [F.event("e1")])
        #expect(b.rows(EquipmentStateChange.self) == nil)
    }

    // MARK: Equality

    @Test func batchesAreEqualWhenTablesDeadLettersAndSequenceAre() {
        #expect(mixed() == mixed())
        var otherSequence = mixed()
        otherSequence.lastSequence = 43
        #expect(mixed() != otherSequence)
        #expect(Batch(tables: [Rows([F.reading("a")])]) != Batch(tables: [Rows([F.reading("b")])]))
        #expect(Batch(tables: [Rows([F.reading("a")])]) != Batch(tables: [Rows([F.battery("a")])]))
        #expect(Batch(tables: [Rows([F.reading("a")])]) != Batch(tables: [Rows([F.reading("a")], mayRepeatKeys: true)]))
        #expect(Batch(deadLetters: [F.letter("x")]) != Batch(deadLetters: [F.letter("y")]))
    }

    // MARK: Split

    @Test func everySplitInsideTheBatchGivesTwoSmallerNonEmptyHalvesInOrder() {
        let b = mixed()
        let all = b.entryNames
        #expect(all.count == b.count)
        for n in 1..<b.count {
            let (first, second) = b.split(at: n)
            #expect(!first.isEmpty && !second.isEmpty, "split at \(n)")
            #expect(first.count == n && second.count == b.count - n, "split at \(n)")
            #expect(first.count < b.count && second.count < b.count)
            #expect(first.entryNames + second.entryNames == all, "split at \(n) keeps the order")
            #expect(first.lastSequence == 42 && second.lastSequence == 42)
        }
    }

    @Test func splitCutsInsideATableAndKeepsTheFamilyOnBothSides() {
        let (first, second) = mixed().split(at: 4)
        #expect(first.rows(SensorReading.self) == [F.reading("a"), F.reading("b"), F.reading("c")])
        #expect(first.rows(BatteryReading.self) == [F.battery("b1")])
        #expect(second.rows(BatteryReading.self) == [F.battery("b2")])
        #expect(second.rows(SensorReading.self) == nil)
        #expect(first.deadLetters.isEmpty)
        #expect(second.deadLetters == [F.letter("x"), F.letter("y")])
    }

    @Test func splitBetweenRowsAndDeadLettersPutsTheLettersSecond() {
        let (first, second) = mixed().split(at: 6)
        #expect(first.rowCount == 6 && first.deadLetters.isEmpty)
        #expect(second.rowCount == 0 && second.deadLetters == [F.letter("x"), F.letter("y")])
        let (a, b) = mixed().split(at: 7)
        #expect(a.deadLetters == [F.letter("x")])
        #expect(b.deadLetters == [F.letter("y")] && b.tables.isEmpty)
    }

    @Test func splitOfOnlyDeadLettersOrOnlyRows() {
        let letters = Batch(deadLetters: [F.letter("x"), F.letter("y"), F.letter("z")])
        let (a, b) = letters.split(at: 1)
        #expect(a.deadLetters == [F.letter("x")] && b.deadLetters == [F.letter("y"), F.letter("z")])
        let rows = Batch(tables: [Rows([F.reading("a"), F.reading("b")])])
        let (c, d) = rows.split(at: 1)
        #expect(c.rows(SensorReading.self) == [F.reading("a")] && d.rows(SensorReading.self) == [F.reading("b")])
        #expect(c.deadLetters.isEmpty && d.deadLetters.isEmpty)
    }

    @Test func splitAtTheEndsLeavesOneHalfEmpty() {
        let b = mixed()
        let (none, whole) = b.split(at: 0)
        #expect(none.isEmpty)
        #expect(whole == b)
        let (all, rest) = b.split(at: b.count)
        #expect(all == b)
        #expect(rest.isEmpty)
    }

    @Test func splitKeepsMayRepeatKeysOnBothHalves() {
        let b = Batch(tables: [Rows([F.reading("a", 1), F.reading("a", 2)], mayRepeatKeys: true)])
        let (first, second) = b.split(at: 1)
        #expect((first.tables.first as? Rows<SensorReading>)?.mayRepeatKeys == true)
        #expect((second.tables.first as? Rows<SensorReading>)?.mayRepeatKeys == true)
    }
}
