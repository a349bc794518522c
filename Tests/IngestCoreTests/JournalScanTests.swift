import Testing
@testable import IngestCore

/// The recovery scan: a damaged record costs that record only, the records after it are
/// found, a torn tail ends the segment, and the scan ends on any bytes.
@Suite struct JournalScanTests {
    typealias Segment = JournalRecordTests.Segment

    /// `n` records with sequences from `first`, each 56 bytes (topic "t/x", 10-byte payload);
    /// returns their offsets.
    @discardableResult
    func fill(_ segment: Segment, _ n: Int, first: UInt64 = 1) -> [Int] {
        var offsets: [Int] = []
        var at = 0
        for i in 0..<n {
            offsets.append(at)
            at = segment.write(at: at, sequence: first + UInt64(i), receivedAt: 1_000 + Int64(i), topic: "t/x",
                               payload: Array("payload-\(i % 10)!".utf8.prefix(10)))
        }
        return offsets
    }

    @Test func wholeRecordsAreFoundAndTheEndIsAfterTheLast() {
        let segment = Segment()
        let offsets = fill(segment, 10)
        let scan = JournalScan(segment.bytes, settled: 0, after: 0)
        #expect(scan.damage.isEmpty)
        #expect(scan.sequences == 1...10 && scan.unsettled == 10 && scan.lastSequence == 10 && scan.lastReceivedAt == 1_009)
        #expect(scan.end == offsets[9] + 56)
    }

    @Test func aFlippedPayloadByteInTheMiddleCostsThatRecordOnly() {
        let segment = Segment()
        let offsets = fill(segment, 10)
        segment[offsets[4] + JournalRecord.headerSize + 5] ^= 0x40
        let scan = JournalScan(segment.bytes, settled: 0, after: 0)
        #expect(scan.damage.map(\.range) == [offsets[4]..<offsets[5]])
        #expect(scan.damage.first?.why == "a checksum mismatch")
        #expect(scan.unsettled == 9 && scan.sequences == 1...10, "the five records after the damage are found")
        #expect(scan.end == offsets[9] + 56)
    }

    @Test func aDamagedLengthIsPassedByFindingTheNextWholeRecord() {
        let segment = Segment()
        let offsets = fill(segment, 10)
        segment.storeLength(12_345, at: offsets[3])  // does not fit: the length cannot be trusted
        let scan = JournalScan(segment.bytes, settled: 0, after: 0)
        #expect(scan.damage.map(\.range) == [offsets[3]..<offsets[4]])
        #expect(scan.unsettled == 9)
    }

    @Test func aZeroedLengthBeforeMoreRecordsIsDamageNotTheEnd() {
        let segment = Segment()
        let offsets = fill(segment, 6)
        segment.storeLength(0, at: offsets[2])
        let scan = JournalScan(segment.bytes, settled: 0, after: 0)
        #expect(scan.damage.map(\.range) == [offsets[2]..<offsets[3]])
        #expect(scan.damage.first?.why == "a record length of 0 before more records")
        #expect(scan.unsettled == 5 && scan.end == offsets[5] + 56)
    }

    @Test func aTornLastRecordEndsTheSegmentAsDamageAtItsEnd() {
        let segment = Segment()
        let offsets = fill(segment, 5)
        segment[offsets[4] + JournalRecord.headerSize + 2] ^= 0x01
        let scan = JournalScan(segment.bytes, settled: 0, after: 0)
        #expect(scan.damage.map(\.range) == [offsets[4]..<offsets[4] + 56])
        #expect(scan.unsettled == 4 && scan.end == offsets[4] && scan.lastSequence == 4)
    }

    @Test func garbageToTheEndIsOneDamagedRangeUpToTheLastWrittenByte() {
        let segment = Segment()
        let offsets = fill(segment, 3)
        for i in 0..<100 { segment[offsets[2] + 56 + i] = 0xA5 }
        let scan = JournalScan(segment.bytes, settled: 0, after: 0)
        #expect(scan.damage.map(\.range) == [offsets[2] + 56..<offsets[2] + 56 + 104])
        #expect(scan.unsettled == 3)
    }

    @Test func aRecordWhoseSequenceDoesNotFollowIsDamage() {
        let segment = Segment()
        let offsets = fill(segment, 3, first: 10)
        // A record with sequence 5 after 12: not written in order.
        segment.write(at: offsets[2] + 56, sequence: 5, receivedAt: 1, topic: "t/x", payload: Array("payload-0!".utf8))
        segment.write(at: offsets[2] + 112, sequence: 13, receivedAt: 2_000, topic: "t/x", payload: Array("payload-1!".utf8))
        let scan = JournalScan(segment.bytes, settled: 0, after: 9)
        #expect(scan.damage.map(\.range) == [offsets[2] + 56..<offsets[2] + 112])
        #expect(scan.sequences == 10...13 && scan.unsettled == 4)
    }

    @Test func settledRecordsAreWholeButNotReplayed() {
        let segment = Segment()
        fill(segment, 10)
        let scan = JournalScan(segment.bytes, settled: 7, after: 7)
        #expect(scan.damage.isEmpty && scan.unsettled == 3 && scan.sequences == 1...10)
    }

    @Test(arguments: 0..<20)
    func anyDamageEndsWithinTheSegmentsWordsAndLosesOnlyDamagedRecords(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed))
        let segment = Segment(capacity: 8192)
        let offsets = fill(segment, 100)
        var hit = Set<Int>()
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            let at = Int.random(in: 0..<(offsets[99] + 56), using: &rng)
            segment[at] ^= UInt8.random(in: 1...255, using: &rng)
            hit.insert(offsets.lastIndex { $0 <= at }!)
        }
        let scan = JournalScan(segment.bytes, settled: 0, after: 0)
        #expect(scan.steps <= 8192 / 8 + 1, "bounded by the segment's words")
        // A flipped length byte may still be a plausible length that leads to a whole record
        // one record further on: then that neighbour goes with it.
        #expect(scan.unsettled >= 100 - 2 * hit.count, "at most the damaged records and a neighbour each are lost")
        #expect(!scan.damage.isEmpty)
        for d in scan.damage { #expect(d.range.lowerBound < d.range.upperBound && d.range.upperBound <= 8192) }
    }

    @Test func anEmptyOrAllZeroSegmentIsNothing() {
        let segment = Segment()
        let scan = JournalScan(segment.bytes, settled: 0, after: 3)
        #expect(scan.damage.isEmpty && scan.end == 0 && scan.sequences == nil && scan.lastSequence == 3)
        #expect(JournalScan(UnsafeRawBufferPointer(start: nil, count: 0), settled: 0, after: 0).end == 0)
    }
}
