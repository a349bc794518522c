import Testing
@testable import IngestCore

/// The journal's byte layout: what a record written reads back as, and that damage, a torn
/// write or an unwritten tail never reads as a message.
@Suite struct CRC32CTests {
    /// RFC 3720 (iSCSI) appendix B.4 and the common check value.
    @Test(arguments: [
        (Array("123456789".utf8), 0xE306_9283),
        ([], 0),
        ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ((0..<32).map { UInt8($0) }, 0x46DD_794E),
        ((0..<32).map { UInt8(31 - $0) }, 0x113F_DB5C),
    ] as [([UInt8], UInt32)])
    func matchesTheKnownVectors(bytes: [UInt8], expected: UInt32) {
        #expect(CRC32C.checksum(bytes) == expected)
    }

    @Test func aChecksumContinuedOverTwoPiecesEqualsTheChecksumOfTheWhole() {
        // Every split point, so that both the eight-byte steps and the byte tail meet each split.
        let bytes = (0..<67).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let whole = CRC32C.checksum(bytes)
        for split in 0...bytes.count {
            let first = CRC32C.checksum(Array(bytes[..<split]))
            let continued = Array(bytes[split...]).withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
            #expect(continued == whole, "split at \(split)")
        }
    }
}

@Suite struct JournalRecordTests {
    /// A zeroed segment of `capacity` bytes, as a new preallocated segment file reads.
    final class Segment {
        let base: UnsafeMutableRawPointer
        let capacity: Int

        init(capacity: Int = 4096, filler: UInt8 = 0) {
            self.capacity = capacity
            base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            base.initializeMemory(as: UInt8.self, repeating: filler, count: capacity)
        }

        deinit { base.deallocate() }

        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: capacity) }

        /// The first `count` bytes only: a segment that ends there.
        func prefix(_ count: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

        @discardableResult
        func write(at offset: Int, sequence: UInt64, receivedAt: Int64, topic: String, payload: [UInt8], size: Int? = nil) -> Int {
            Array(topic.utf8).withUnsafeBytes { t in
                payload.withUnsafeBytes { p in
                    JournalRecord.write(into: base, at: offset, sequence: sequence, receivedAt: receivedAt,
                                        topic: t, payload: p, size: size ?? payload.count)
                }
            }
        }

        subscript(_ offset: Int) -> UInt8 {
            get { base.load(fromByteOffset: offset, as: UInt8.self) }
            set { base.storeBytes(of: newValue, toByteOffset: offset, as: UInt8.self) }
        }

        func storeLength(_ length: UInt32, at offset: Int) {
            base.storeBytes(of: length.littleEndian, toByteOffset: offset, as: UInt32.self)
        }

        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        func array(_ range: Range<Int>) -> [UInt8] { Array(UnsafeRawBufferPointer(rebasing: bytes[range])) }
    }

    func isCorrupt(_ read: JournalRecord.Read) -> Bool {
        if case .corrupt = read { return true }
        return false
    }

    @Test func aRecordWrittenThenReadGivesBackEveryField() throws {
        let segment = Segment()
        let payload = Array(#"{"ts":1700000000000,"value":21.5}"#.utf8)
        let next = segment.write(at: 0, sequence: 0xFEDC_BA98_7654_3210, receivedAt: 1_700_000_000_123_456,
                                 topic: "plant/s1/l1/sensor/dev7/temp", payload: payload)
        guard case .record(let header, let after) = JournalRecord.read(segment.bytes, at: 0) else {
            Issue.record("not read as a record: \(JournalRecord.read(segment.bytes, at: 0))")
            return
        }
        #expect(after == next)
        #expect(next == JournalRecord.length(topic: 28, payload: payload.count))
        #expect(header.sequence == 0xFEDC_BA98_7654_3210)
        #expect(header.receivedAt == 1_700_000_000_123_456)
        #expect(header.size == payload.count)
        #expect(segment.text(header.topic) == "plant/s1/l1/sensor/dev7/temp")
        #expect(segment.array(header.payload) == payload)
        #expect(JournalRecord.read(segment.bytes, at: next) == .end)
    }

    @Test func aKeptPrefixKeepsThePayloadsRealSizeAndANegativeTimeSurvives() {
        let segment = Segment()
        let kept = [UInt8](repeating: 0x41, count: 100)
        segment.write(at: 0, sequence: 1, receivedAt: -1, topic: "t", payload: kept, size: 52_428_800)
        guard case .record(let header, _) = JournalRecord.read(segment.bytes, at: 0) else {
            Issue.record("not read as a record")
            return
        }
        #expect(header.size == 52_428_800)
        #expect(header.payload.count == 100)
        #expect(header.receivedAt == -1)
    }

    @Test func anEmptyTopicAndPayloadMakeAWholeRecord() {
        let segment = Segment()
        let next = segment.write(at: 0, sequence: 9, receivedAt: 0, topic: "", payload: [])
        #expect(next == JournalRecord.headerSize)
        guard case .record(let header, let after) = JournalRecord.read(segment.bytes, at: 0) else {
            Issue.record("not read as a record")
            return
        }
        #expect(after == next && header.sequence == 9 && header.topic.isEmpty && header.payload.isEmpty)
    }

    @Test func recordsFollowEachOtherAndReadBackInOrder() {
        let segment = Segment()
        var offset = 0
        var written: [(UInt64, String, [UInt8])] = []
        for i in 0..<20 {
            let topic = "plant/s1/l\(i % 3)/sensor/dev\(i)/m"
            let payload = Array(String(repeating: "x", count: i * 7).utf8)
            offset = segment.write(at: offset, sequence: UInt64(100 + i), receivedAt: Int64(i), topic: topic, payload: payload)
            written.append((UInt64(100 + i), topic, payload))
        }
        var read: [(UInt64, String, [UInt8])] = []
        var at = 0
        while case .record(let h, let next) = JournalRecord.read(segment.bytes, at: at) {
            read.append((h.sequence, segment.text(h.topic), segment.array(h.payload)))
            at = next
        }
        #expect(at == offset)
        #expect(read.count == written.count)
        for (r, w) in zip(read, written) { #expect(r.0 == w.0 && r.1 == w.1 && r.2 == w.2) }
    }

    @Test func aFlippedByteAnywhereInTheHeaderTopicOrPayloadReadsAsCorrupt() {
        let topic = "plant/s1/l1/sensor/dev7/temp"
        let payload = Array(#"{"value":21.5}"#.utf8)
        let used = JournalRecord.headerSize + topic.utf8.count + payload.count
        for offset in 0..<used {
            for flip: UInt8 in [0x01, 0x08, 0x80, 0xFF] {
                let segment = Segment()
                segment.write(at: 0, sequence: 42, receivedAt: 1_700_000_000_000_000, topic: topic, payload: payload)
                segment[offset] ^= flip
                let read = JournalRecord.read(segment.bytes, at: 0)
                #expect(isCorrupt(read), "byte \(offset) ^ \(flip) read as \(read)")
            }
        }
    }

    @Test func aLengthOfZeroReadsAsTheEnd() {
        let segment = Segment()
        #expect(JournalRecord.read(segment.bytes, at: 0) == .end, "a fresh segment is empty")
        // A write torn before its last step (the length) leaves a record of length 0.
        segment.write(at: 0, sequence: 1, receivedAt: 1, topic: "a/b", payload: [1, 2, 3])
        segment.storeLength(0, at: 0)
        #expect(JournalRecord.read(segment.bytes, at: 0) == .end)
    }

    @Test func theEndOfTheSegmentReadsAsTheEnd() {
        let segment = Segment(capacity: 64)
        #expect(JournalRecord.read(segment.bytes, at: 64) == .end)
        #expect(JournalRecord.read(segment.bytes, at: 62) == .end, "fewer than four bytes left: no length fits")
    }

    @Test func aLengthRunningPastTheSegmentIsCorrupt() {
        let segment = Segment()
        let next = segment.write(at: 0, sequence: 1, receivedAt: 1, topic: "a/b", payload: Array(repeating: 7, count: 60))
        #expect(isCorrupt(JournalRecord.read(segment.prefix(next - 8), at: 0)), "the segment ends inside the record")
        // A length field that claims more than the segment holds (8-aligned, so only its size is wrong).
        segment.storeLength(UInt32(segment.capacity + 8), at: 0)
        #expect(isCorrupt(JournalRecord.read(segment.bytes, at: 0)))
        segment.storeLength(UInt32.max & ~7, at: 0)
        #expect(isCorrupt(JournalRecord.read(segment.bytes, at: 0)))
    }

    @Test func aLengthShorterThanAHeaderOrNotAMultipleOfEightIsCorrupt() {
        for length: UInt32 in [4, 8, 32, 41, 47] {
            let segment = Segment()
            segment.write(at: 0, sequence: 1, receivedAt: 1, topic: "a/b", payload: [1])
            segment.storeLength(length, at: 0)
            #expect(isCorrupt(JournalRecord.read(segment.bytes, at: 0)), "length \(length)")
        }
    }

    @Test(arguments: [(0, 0, 40), (1, 0, 48), (8, 0, 48), (3, 5, 48), (4, 5, 56), (28, 33, 104), (0, 4096, 4136)])
    func aRecordIsPaddedToAMultipleOfEight(topic: Int, payload: Int, expected: Int) {
        #expect(JournalRecord.length(topic: topic, payload: payload) == expected)
        // Written over old bytes, its padding is zeroed and the next record starts 8-aligned.
        let segment = Segment(capacity: 8192, filler: 0xAA)
        let next = segment.write(at: 8, sequence: 1, receivedAt: 1, topic: String(repeating: "t", count: topic),
                                 payload: [UInt8](repeating: 0x55, count: payload))
        #expect(next == 8 + expected)
        #expect(next % 8 == 0)
        let used = 8 + JournalRecord.headerSize + topic + payload
        #expect((used..<next).allSatisfy { segment[$0] == 0 }, "padding is zero")
        guard case .record(_, let after) = JournalRecord.read(segment.bytes, at: 8) else {
            Issue.record("not read as a record")
            return
        }
        #expect(after == next)
    }
}
