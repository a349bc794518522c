import Testing
@testable import IngestCore

/// The search's bound: many refusals cost about one write per entry, not two, and a search
/// with any budget, on any pattern of refusals, ends within `RefusalSearch.maxWrites`.
extension RefusalSearchTests {
    /// 5,000 readings, each named by its index.
    func readings(_ n: Int) -> Batch {
        Batch(tables: [Rows((0..<n).map { F.reading("r\($0)") })])
    }

    @Test func everySecondOfFiveThousandRefusedEndsWithinOneWritePerEntryAndTheBudget() throws {
        let batch = readings(5_000)
        let names = batch.entryNames
        let refused = Set(names.enumerated().filter { $0.offset % 2 == 1 }.map(\.element))
        var db = FakeDatabase(refused: refused)
        let found = try search(batch, &db)
        #expect(Set(found.flatMap(\.entry.entryNames)) == refused && found.count == 2_500)
        #expect(db.committed == names.enumerated().filter { $0.offset % 2 == 0 }.map(\.element), "the rest, once each, in order")
        let budget = RefusalSearch.defaultBisectionBudget(entries: 5_000)
        #expect(db.calls <= RefusalSearch.maxWrites(entries: 5_000, bisectionBudget: budget))
        #expect(db.calls <= 5_000 + 2 * budget + 1, "\(db.calls) writes: halving alone took 9,999")
    }

    @Test func oneRefusedOfFiveThousandIsFoundByHalvingInAFewWrites() throws {
        let batch = readings(5_000)
        var db = FakeDatabase(refused: [F.reading("r3141").json])
        let found = try search(batch, &db)
        #expect(found.map(\.entry.entryNames) == [[F.reading("r3141").json]])
        #expect(db.calls <= 2 * 13 + 1, "\(db.calls) writes: log2(5,000) halvings, two parts each")
        #expect(db.committed.count == 4_999)
    }

    @Test func aKnownRefusalOfTheWholeBatchIsNotWrittenAgain() throws {
        let batch = readings(4)
        var db = FakeDatabase(refused: [F.reading("r1").json])
        let found = try RefusalSearch.run(batch, write: { try db.write($0) }, isRefusal: { $0 is Refused },
                                          wholeRefused: Refused(entries: [F.reading("r1").json]))
        #expect(found.map(\.entry.entryNames) == [[F.reading("r1").json]])
        #expect(db.calls == 4, "halves [r0 r1] [r2 r3], then r0 and r1: the whole batch is not tried again")
        #expect(db.committed == [F.reading("r0").json, F.reading("r2").json, F.reading("r3").json])
    }

    @Test func aBudgetOfNoHalvingTriesEveryEntryOnce() throws {
        let batch = readings(10)
        var db = FakeDatabase(refused: [F.reading("r4").json])
        let found = try RefusalSearch.run(batch, write: { try db.write($0) }, isRefusal: { $0 is Refused }, bisectionBudget: 0)
        #expect(found.count == 1)
        #expect(db.calls == 11, "the whole batch, then each of its 10 entries")
        #expect(db.committed.count == 9)
    }

    @Test(arguments: [0, 1, 3, 64])
    func anyBudgetOnAnyPatternEndsWithinTheBound(budget: Int) throws {
        var rng = SplitMix64(seed: UInt64(budget) &+ 7)
        for _ in 0..<30 {
            let n = Int.random(in: 1...400, using: &rng)
            let batch = randomBatch(entries: n, using: &rng)
            let density = [0.0, 0.01, 0.1, 0.5, 0.9, 1.0].randomElement(using: &rng)!
            let refused = Set(batch.entryNames.filter { _ in Double.random(in: 0..<1, using: &rng) < density })
            var db = FakeDatabase(refused: refused)
            let found = try RefusalSearch.run(batch, write: { try db.write($0) }, isRefusal: { $0 is Refused }, bisectionBudget: budget)
            #expect(Set(found.flatMap(\.entry.entryNames)) == refused && found.count == refused.count)
            #expect(db.committed.sorted() == batch.entryNames.filter { !refused.contains($0) }.sorted())
            #expect(db.calls <= RefusalSearch.maxWrites(entries: n, bisectionBudget: budget), "\(db.calls) writes, \(n) entries")
        }
    }

    @Test func entriesAreEachEntryAloneInOrderWithTheirOrigin() {
        let origin = { (i: Int) in RecordOrigin(topic: "t/\(i)", payload: Array("p\(i)".utf8), size: 2, receivedAt: .init(microseconds: 1), sequence: UInt64(i)) }
        let rows = Rows([F.reading("a"), F.reading("b"), F.reading("c")], origins: [origin(0), origin(1), origin(2)])
        let batch = Batch(tables: [rows], deadLetters: [F.letter("x")], lastSequence: 9)
        let entries = batch.entries
        #expect(entries.map(\.count) == [1, 1, 1, 1])
        #expect(entries.flatMap(\.entryNames) == batch.entryNames)
        #expect(entries.prefix(3).map { $0.tables[0].origin(at: 0) } == [origin(0), origin(1), origin(2)])
        let (first, second) = batch.split(at: 2)
        #expect(first.tables[0].origin(at: 1) == origin(1) && second.tables[0].origin(at: 0) == origin(2), "a split keeps rows and origins together")
        #expect(Batch(tables: [Rows([F.reading("a")])]).tables[0].origin(at: 0) == nil)
    }
}
