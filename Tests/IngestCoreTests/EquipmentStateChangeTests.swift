import Testing
@testable import IngestCore

/// The current state of an equipment: last writer wins on changed_at (the tablet's clock),
/// ties broken by source then seq, whatever order the changes arrive in.
@Suite struct EquipmentStateChangeTests {
    static let t0 = Fixture.t0

    func change(_ state: String, at seconds: Int64, source: String = "tablet-1", seq: Int64? = nil,
                equipment: String = "press-1", receivedAt: Int64 = 0) -> EquipmentStateChange {
        EquipmentStateChange(equipment: equipment, changedAt: Self.t0 + seconds, source: source, state: state, seq: seq,
                             receivedAt: Self.t0 + receivedAt)
    }

    // MARK: supersedes

    @Test func laterChangedAtWinsRegardlessOfArrival() {
        let early = change("green", at: 10, receivedAt: 100)   // arrived last
        let late = change("red", at: 20, receivedAt: 50)
        #expect(late.supersedes(early))
        #expect(!early.supersedes(late))
    }

    @Test func laterChangedAtWinsOverAnyTieBreaker() {
        let late = change("red", at: 20, source: "a", seq: nil)
        let early = change("green", at: 19, source: "z", seq: 1_000)
        #expect(late.supersedes(early))
        #expect(!early.supersedes(late))
    }

    @Test func tieOnChangedAtIsBrokenBySource() {
        let a = change("green", at: 10, source: "tablet-a", seq: 9)
        let b = change("red", at: 10, source: "tablet-b", seq: 1)
        #expect(b.supersedes(a))
        #expect(!a.supersedes(b))
    }

    @Test func tieOnChangedAtAndSourceIsBrokenBySeq() {
        let first = change("green", at: 10, seq: 3)
        let second = change("red", at: 10, seq: 4)
        #expect(second.supersedes(first))
        #expect(!first.supersedes(second))
    }

    @Test func missingSeqCountsAsMinusOne() {
        let none = change("green", at: 10, seq: nil)
        #expect(change("red", at: 10, seq: 0).supersedes(none))
        #expect(!none.supersedes(change("red", at: 10, seq: 0)))
        #expect(!change("red", at: 10, seq: -1).supersedes(none), "-1 ties with a missing seq")
        #expect(!none.supersedes(change("red", at: 10, seq: -1)))
        #expect(none.supersedes(change("red", at: 10, seq: -2)))
    }

    @Test func aChangeDoesNotSupersedeItsEqual() {
        let c = change("green", at: 10, seq: 1)
        #expect(!c.supersedes(c))
        #expect(!change("red", at: 10, seq: 1).supersedes(c), "equal (changed_at, source, seq) is a tie, not a win")
    }

    // MARK: newestPerEquipment

    @Test func newestPerEquipmentKeepsTheLatestChangedAtOfEachEquipment() {
        let changes = [
            change("green", at: 10, equipment: "press-1"),
            change("yellow", at: 5, equipment: "press-2"),
            change("red", at: 30, equipment: "press-1"),
            change("green", at: 20, equipment: "press-1"),
            change("red", at: 6, equipment: "press-2"),
        ]
        #expect(EquipmentStateChange.newestPerEquipment(changes)
            == [change("red", at: 30, equipment: "press-1"), change("red", at: 6, equipment: "press-2")])
    }

    @Test func newestPerEquipmentListsEquipmentInFirstSeenOrder() {
        let changes = [change("green", at: 1, equipment: "c"), change("green", at: 1, equipment: "a"),
                       change("red", at: 2, equipment: "b"), change("red", at: 9, equipment: "a")]
        #expect(EquipmentStateChange.newestPerEquipment(changes).map(\.equipment) == ["c", "a", "b"])
        #expect(EquipmentStateChange.newestPerEquipment([]).isEmpty)
    }

    /// A tablet that was offline replays its queued changes with their original changed_at:
    /// they arrive after a newer change from another tablet and must not win.
    @Test func anOfflineTabletReplayingOlderChangesDoesNotWin() {
        let current = change("red", at: 100, source: "tablet-online", receivedAt: 100)
        let replayed = [
            change("green", at: 40, source: "tablet-offline", seq: 1, receivedAt: 200),
            change("yellow", at: 60, source: "tablet-offline", seq: 2, receivedAt: 201),
            change("green", at: 80, source: "tablet-offline", seq: 3, receivedAt: 202),
        ]
        #expect(EquipmentStateChange.newestPerEquipment([current] + replayed) == [current])
        for old in replayed { #expect(!old.supersedes(current)) }
        // Its replay still orders itself: the newest of the replayed changes is the one it would set.
        #expect(EquipmentStateChange.newestPerEquipment(replayed) == [replayed[2]])
    }

    @Test func aReplayedChangeNewerThanTheCurrentOneWins() {
        let current = change("red", at: 100, source: "tablet-online")
        let replayed = change("green", at: 101, source: "tablet-offline", receivedAt: 500)
        #expect(EquipmentStateChange.newestPerEquipment([current, replayed]) == [replayed])
    }

    @Test func newestPerEquipmentDoesNotDependOnArrivalOrder() {
        let changes = [change("green", at: 10, source: "b", seq: 2), change("red", at: 10, source: "b", seq: 5),
                       change("yellow", at: 10, source: "a", seq: 99), change("green", at: 9, source: "z", seq: 1)]
        let expected = [change("red", at: 10, source: "b", seq: 5)]
        var orders: [[EquipmentStateChange]] = [changes, changes.reversed()]
        orders.append([changes[2], changes[1], changes[3], changes[0]])
        for order in orders {
            #expect(EquipmentStateChange.newestPerEquipment(order) == expected)
        }
    }

    /// A full tie on (changed_at, source, seq) is the same change in two versions (the same
    /// natural key): the correction, received later, replaces it in the history
    /// (`Rows.recordsWithUniqueKeys` keeps the last) and must become the current state too, as
    /// the current-state upsert lets a correction of the current change move it.
    @Test func aCorrectionOfTheNewestChangeInTheSameBatchBecomesCurrent() {
        let original = change("green", at: 10, seq: 1, receivedAt: 1)
        let correction = change("red", at: 10, seq: 1, receivedAt: 2)
        #expect(EquipmentStateChange.newestPerEquipment([original, correction]) == [correction])
        let rows = Rows([original, correction], mayRepeatKeys: true)
        #expect(EquipmentStateChange.newestPerEquipment(rows.records) == rows.recordsWithUniqueKeys,
                "history and current state agree")
    }

    // MARK: JSON (the retained current-state payload)

    @Test func jsonNamesEveryFieldWithNullForTheMissingOnes() throws {
        let c = EquipmentStateChange(equipment: "press-1", changedAt: Self.t0, source: "tablet-1", state: "red",
                                     worker: "w\"7", seq: nil, site: "s1", line: nil, receivedAt: Self.t0)
        #expect(c.json == #"{"equipment":"press-1","state":"red","changed_at":"2026-11-23T08:00:00.000000Z","worker":"w\"7","source":"tablet-1","seq":null,"site":"s1","line":null}"#)
        #expect(try JSONParser().parse(Array(c.json.utf8))["worker"] == .string("w\"7"))
    }
}
