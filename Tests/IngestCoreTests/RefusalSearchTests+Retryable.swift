import Testing
@testable import IngestCore

/// The writer's contract with the search when the database fails for reasons that are not
/// the data's (a lost connection, a read-only standby, a full disk) in the middle of it: the
/// search stops at once and throws, the writer retries the whole batch later, and the search
/// that finally completes finds exactly the refused entries, still in at most 2n − 1 writes.
extension RefusalSearchTests {
    /// What the fake database throws while it cannot take any write.
    struct Unavailable: Error {}

    /// A table writer that refuses parts holding a `refused` entry for their data and, on
    /// the calls `failing` numbers, fails as an unavailable database does — before or after
    /// deciding about the data. What it committed stays committed (a retry writes it again,
    /// changing nothing: ON CONFLICT).
    struct FlakyDatabase {
        var refused: Set<String>
        var failing: Set<Int>
        var calls = 0
        var committed: [String: Int] = [:]

        mutating func write(_ part: Batch) throws {
            calls += 1
            if failing.contains(calls) { throw Unavailable() }
            let names = part.entryNames
            let bad = names.filter(refused.contains)
            if !bad.isEmpty { throw Refused(entries: bad) }
            for n in names { committed[n, default: 0] += 1 }
        }
    }

    /// What the writer does: search, and on an error that is not a refusal, search the whole
    /// batch again (after its backoff). Returns the completed search's findings, its writes
    /// and the attempts it took.
    func settle(_ batch: Batch, _ db: inout FlakyDatabase, maxAttempts: Int = 1_000)
        -> (found: [(entry: Batch, error: any Error)], writes: Int, attempts: Int)? {
        for attempt in 1...maxAttempts {
            let before = db.calls
            do {
                let found = try RefusalSearch.run(batch, write: { try db.write($0) }, isRefusal: { $0 is Refused })
                return (found, db.calls - before, attempt)
            } catch {
                #expect(error is Unavailable, "only the unavailable database's errors come out")
            }
        }
        return nil
    }

    @Test func aRetryableErrorInTheMiddleOfTheSearchAbortsItAndTheRetryFindsExactlyTheRefusedEntries() throws {
        let batch = Batch(tables: [Rows((0..<8).map { F.reading("d\($0)") })], deadLetters: [F.letter("x"), F.letter("y")])
        let refused: Set<String> = [F.reading("d3").json, "letter:y"]
        var db = FlakyDatabase(refused: refused, failing: [4])
        let result = try #require(settle(batch, &db))
        #expect(result.attempts == 2, "the first search stopped at its fourth write")
        #expect(Set(result.found.flatMap(\.entry.entryNames)) == refused)
        #expect(result.found.allSatisfy { $0.entry.count == 1 && $0.error is Refused })
        #expect(result.writes <= 2 * batch.count - 1)
        let kept = batch.entryNames.filter { !refused.contains($0) }
        #expect(Set(db.committed.keys) == Set(kept), "every other entry committed, at least once")
    }

    @Test func anOutageOnTheFirstWriteRetriesBeforeAnythingIsSearched() throws {
        let batch = Batch(tables: [Rows([F.reading("a"), F.reading("b")])])
        var db = FlakyDatabase(refused: [F.reading("b").json], failing: [1, 2, 3])
        let result = try #require(settle(batch, &db))
        #expect(result.attempts == 4)
        #expect(result.found.flatMap(\.entry.entryNames) == [F.reading("b").json])
        #expect(db.committed == [F.reading("a").json: 1])
    }

    @Test(arguments: 0..<30)
    func randomOutagesAmongRandomRefusalsEndWithExactlyTheRefusedEntries(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(1_000 + seed))
        let n = Int.random(in: 1...120, using: &rng)
        let batch = randomBatch(entries: n, using: &rng)
        let names = batch.entryNames
        let density = [0.0, 0.02, 0.2, 1.0].randomElement(using: &rng)!
        let refused = Set(names.filter { _ in Double.random(in: 0..<1, using: &rng) < density })
        // Outages on about one write in five among the first few hundred, then a database
        // that stays up: the writer's retries must then get through.
        let failing = Set((1...400).filter { _ in Int.random(in: 0..<5, using: &rng) == 0 })
        var db = FlakyDatabase(refused: refused, failing: failing)
        let result = try #require(settle(batch, &db), "the search never completed")
        #expect(Set(result.found.flatMap(\.entry.entryNames)) == refused)
        #expect(result.found.flatMap(\.entry.entryNames).count == refused.count, "each refused entry once")
        #expect(result.writes <= max(1, 2 * n - 1), "\(result.writes) writes for \(n) entries")
        #expect(Set(db.committed.keys) == Set(names.filter { !refused.contains($0) }))
        #expect(db.committed.keys.allSatisfy { !refused.contains($0) }, "a refused entry is never committed")
    }
}
