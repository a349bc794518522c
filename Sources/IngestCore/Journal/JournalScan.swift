/// The recovery scan of one journal segment, as a plain value over its bytes (no file I/O):
/// which records are whole, where reading stops, and which byte ranges are damaged. A damaged
/// record costs that record only: the scan goes on by the record's length when that length
/// is plausible and leads to a whole record (or to the end), else to the next offset, 8-byte
/// aligned, where a whole record (length and CRC-32C) starts. A record whose sequence number
/// does not follow the ones before it is damage too (it cannot have been written in order).
///
///     let scan = JournalScan(segmentBytes, settled: checkpoint, after: lastSequence)
///     scan.end        // offset after the last whole record: what the reader may read
///     scan.damage     // byte ranges to set aside and skip, each with why
public struct JournalScan: Equatable, Sendable {
    /// Bytes that are not a whole record, in the middle of a segment or at its end.
    public struct Damage: Equatable, Sendable {
        public var range: Range<Int>
        public var why: String
    }

    /// The offset after the last whole record.
    public private(set) var end = 0
    public private(set) var damage: [Damage] = []
    /// The first and last sequence numbers of the whole records; nil when there are none.
    public private(set) var sequences: ClosedRange<UInt64>?
    /// Whole records past `settled`: what a restart replays.
    public private(set) var unsettled = 0
    /// The highest sequence number seen so far, this segment's included.
    public private(set) var lastSequence: UInt64
    /// The latest receipt time of a whole record, microseconds (or what was passed in).
    public private(set) var lastReceivedAt: Int64
    /// Records read (whole records and candidates tried while resynchronising): the scan's
    /// work, bounded by the segment's size in 8-byte words.
    public private(set) var steps = 0

    /// Scans `bytes`: records with a sequence number up to `settled` are whole but need no
    /// replay; `lastSequence` is the highest sequence of the segments before this one.
    public init(_ bytes: UnsafeRawBufferPointer, settled: UInt64, after lastSequence: UInt64, lastReceivedAt: Int64 = 0) {
        self.lastSequence = lastSequence
        self.lastReceivedAt = lastReceivedAt
        var offset = 0
        while offset < bytes.count {
            steps += 1
            switch JournalRecord.read(bytes, at: offset) {
            case .end:
                // A length of 0 ends what was written, unless whole records follow (a zeroed
                // length word in the middle).
                guard let next = Self.nextRecord(bytes, from: offset + 8, steps: &steps) else { return }
                damage.append(Damage(range: offset..<next, why: "a record length of 0 before more records"))
                offset = next
            case .record(let header, let next):
                if header.sequence <= self.lastSequence && header.sequence > settled {
                    damage.append(Damage(range: offset..<next, why: "sequence \(header.sequence) does not follow \(self.lastSequence)"))
                    offset = next
                    continue
                }
                sequences = (sequences?.lowerBound ?? header.sequence)...header.sequence
                self.lastSequence = max(self.lastSequence, header.sequence)
                self.lastReceivedAt = max(self.lastReceivedAt, header.receivedAt)
                if header.sequence > settled { unsettled += 1 }
                offset = next
                end = next
            case .corrupt(let why):
                if let next = Self.byLength(bytes, at: offset) ?? Self.nextRecord(bytes, from: offset + 8, steps: &steps) {
                    damage.append(Damage(range: offset..<next, why: why))
                    offset = next
                } else {
                    damage.append(Damage(range: offset..<Self.writtenEnd(bytes, from: offset), why: why))
                    return
                }
            }
        }
    }

    /// The offset after a damaged record, by its own length, when that length is plausible
    /// and a whole record starts there or nothing more was written.
    static func byLength(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        guard length >= JournalRecord.headerSize, length % 8 == 0, offset + length <= bytes.count else { return nil }
        let next = offset + length
        guard next < bytes.count else { return next }
        switch JournalRecord.read(bytes, at: next) {
        case .record: return next
        case .end: return writtenEnd(bytes, from: next) == next ? next : nil
        case .corrupt: return nil
        }
    }

    /// The first offset from `start` (8-aligned) where a whole record starts.
    static func nextRecord(_ bytes: UnsafeRawBufferPointer, from start: Int, steps: inout Int) -> Int? {
        var at = (start + 7) & ~7
        while at + JournalRecord.headerSize <= bytes.count {
            if bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self) != 0 {
                steps += 1
                if case .record = JournalRecord.read(bytes, at: at) { return at }
            }
            at += 8
        }
        return nil
    }

    /// Past the last non-zero byte at or after `offset`, rounded up to 8 (and at least
    /// `offset` + 8, within the segment): where the written bytes end.
    static func writtenEnd(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Int {
        var last = bytes.count
        while last > offset && bytes[last - 1] == 0 { last -= 1 }
        return min(bytes.count, max(offset + 8, (last + 7) & ~7))
    }
}
