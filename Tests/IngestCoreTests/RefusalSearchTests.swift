import Testing
@testable import IngestCore

/// The search for the entries the database refuses must end on every input, find exactly the
/// refused entries, and write everything else once.
@Suite struct RefusalSearchTests {
    typealias F = Fixture

    /// What the fake database throws for data it refuses.
    struct Refused: Error, Equatable { var entries: [String] }
    /// What it throws when the connection is gone: not the data's fault.
    struct ConnectionLost: Error {}

    /// A fake database that refuses any part holding one of `refused` (by entry name), and
    /// records what it was asked to write and what it committed.
    struct FakeDatabase {
        var refused: Set<String>
        var calls = 0
        var committed: [String] = []

        mutating func write(_ part: Batch) throws {
            calls += 1
            let names = part.entryNames
            let bad = names.filter(refused.contains)
            if !bad.isEmpty { throw Refused(entries: bad) }
            committed += names
        }
    }

    func search(_ batch: Batch, _ db: inout FakeDatabase) throws -> [(entry: Batch, error: any Error)] {
        try RefusalSearch.run(batch, write: { try db.write($0) }, isRefusal: { $0 is Refused })
    }

    /// Checks the outcome of a search: exactly the refused entries, each alone with its error;
    /// every other entry committed once; at most 2n - 1 writes.
    func expectFound(_ batch: Batch, refused: Set<String>, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var db = FakeDatabase(refused: refused)
        let found = try search(batch, &db)
        let all = batch.entryNames
        #expect(found.allSatisfy { $0.entry.count == 1 }, sourceLocation: sourceLocation)
        let foundNames = found.flatMap(\.entry.entryNames)
        #expect(foundNames.count == refused.count, "each refused entry once", sourceLocation: sourceLocation)
        #expect(Set(foundNames) == refused, sourceLocation: sourceLocation)
        for f in found {
            #expect((f.error as? Refused)?.entries == f.entry.entryNames, sourceLocation: sourceLocation)
        }
        #expect(db.committed.sorted() == all.filter { !refused.contains($0) }.sorted(),
                "every other entry is committed exactly once", sourceLocation: sourceLocation)
        #expect(db.calls <= max(1, 2 * all.count - 1), "\(db.calls) writes for \(all.count) entries",
                sourceLocation: sourceLocation)
    }

    // MARK: Shapes that matter

    /// One refused reading and one dead letter: the part that once recursed forever.
    @Test func oneRefusedReadingBesideOneDeadLetterIsFound() throws {
        let batch = Batch(tables: [Rows([F.reading("bad")])], deadLetters: [F.letter("x")])
        var db = FakeDatabase(refused: [F.reading("bad").json])
        let found = try search(batch, &db)
        #expect(found.count == 1)
        #expect(found.first?.entry.rows(SensorReading.self) == [F.reading("bad")])
        #expect(found.first?.entry.deadLetters.isEmpty == true)
        #expect(db.committed == ["letter:x"])
        #expect(db.calls == 3)
    }

    @Test func aRefusedDeadLetterBesideARowIsFound() throws {
        let batch = Batch(tables: [Rows([F.reading("a")])], deadLetters: [F.letter("bad")])
        try expectFound(batch, refused: ["letter:bad"])
    }

    @Test func nothingRefusedIsOneWrite() throws {
        let batch = Batch(tables: [Rows([F.reading("a"), F.reading("b")]), Rows([F.battery("b1")])],
                          deadLetters: [F.letter("x")])
        var db = FakeDatabase(refused: [])
        #expect(try search(batch, &db).isEmpty)
        #expect(db.calls == 1)
        #expect(db.committed == batch.entryNames)
    }

    @Test func everyEntryRefusedIsFoundInExactlyTwoNMinusOneWrites() throws {
        let batch = Batch(tables: [Rows((0..<5).map { F.reading("d\($0)") }), Rows([F.event("e1"), F.event("e2")])],
                          deadLetters: [F.letter("x"), F.letter("y"), F.letter("z")])
        let n = batch.count
        var db = FakeDatabase(refused: Set(batch.entryNames))
        let found = try search(batch, &db)
        #expect(found.count == n)
        #expect(found.flatMap(\.entry.entryNames) == batch.entryNames, "found in batch order")
        #expect(db.calls == 2 * n - 1)
        #expect(db.committed.isEmpty)
    }

    @Test func aSingleRefusedEntryIsOneWrite() throws {
        let batch = Batch(deadLetters: [F.letter("x")])
        var db = FakeDatabase(refused: ["letter:x"])
        #expect(try search(batch, &db).count == 1)
        #expect(db.calls == 1)
    }

    @Test func anEmptyBatchWritesNothing() throws {
        var db = FakeDatabase(refused: [])
        #expect(try search(Batch(), &db).isEmpty)
        #expect(db.calls == 0)
    }

    /// A refusal that only two entries together cause (one statement touching a row twice)
    /// ends once they are apart, with nothing refused.
    @Test func aRefusalOfACombinationOnlyEndsWithNothingRefused() throws {
        let batch = Batch(tables: [Rows([F.reading("a"), F.reading("b"), F.reading("c"), F.reading("d")])])
        let a = F.reading("a").json, d = F.reading("d").json
        var calls = 0
        var committed: [String] = []
        let found = try RefusalSearch.run(batch, write: { part in
            calls += 1
            let names = part.entryNames
            if names.contains(a) && names.contains(d) { throw Refused(entries: [a, d]) }
            committed += names
        }, isRefusal: { $0 is Refused })
        #expect(found.isEmpty)
        #expect(committed.sorted() == batch.entryNames.sorted())
        #expect(calls == 3)
    }

    // MARK: Other errors

    @Test func anErrorThatIsNotARefusalIsThrownOut() {
        let batch = Batch(tables: [Rows([F.reading("a"), F.reading("b")])], deadLetters: [F.letter("x")])
        #expect(throws: ConnectionLost.self) {
            _ = try RefusalSearch.run(batch, write: { _ in throw ConnectionLost() }, isRefusal: { $0 is Refused })
        }
    }

    @Test func aConnectionLostInTheMiddleOfTheSearchIsThrownOut() {
        let batch = Batch(tables: [Rows((0..<8).map { F.reading("d\($0)") })])
        var calls = 0
        #expect(throws: ConnectionLost.self) {
            _ = try RefusalSearch.run(batch, write: { _ in
                calls += 1
                if calls == 4 { throw ConnectionLost() }
                throw Refused(entries: [])
            }, isRefusal: { $0 is Refused })
        }
        #expect(calls == 4, "the search stops at the first error that is not a refusal")
    }

    // MARK: Random batches

    @Test(arguments: 0..<40)
    func randomBatchesAreSearchedToExactlyTheirRefusedEntries(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed))
        for _ in 0..<10 {
            let n = Int.random(in: 1...200, using: &rng)
            let batch = randomBatch(entries: n, using: &rng)
            #expect(batch.count == n)
            let names = batch.entryNames
            let density = [0.0, 0.01, 0.1, 0.5, 1.0].randomElement(using: &rng)!
            var refused = Set(names.filter { _ in Double.random(in: 0..<1, using: &rng) < density })
            if Bool.random(using: &rng), let one = names.randomElement(using: &rng) { refused.insert(one) }
            try expectFound(batch, refused: refused)
        }
    }

    /// `n` entries spread over sensor rows, battery rows, machine events and dead letters, each
    /// named uniquely.
    func randomBatch(entries n: Int, using rng: inout SplitMix64) -> Batch {
        var counts = [0, 0, 0, 0]
        for _ in 0..<n { counts[Int.random(in: 0..<4, using: &rng)] += 1 }
        return Batch(tables: [Rows((0..<counts[0]).map { F.reading("d\($0)") }),
                              Rows((0..<counts[1]).map { F.battery("b\($0)") }),
                              Rows((0..<counts[2]).map { F.event("e\($0)") })],
                     deadLetters: (0..<counts[3]).map { F.letter("t\($0)") })
    }
}

/// A small seeded generator, so that a failing random case can be run again.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
