/// One message in a journal segment, as bytes. All integers little-endian; records are
/// 8-byte aligned; a length of 0 marks the end of what was written.
///
///     offset  size  field
///          0     4  length of the whole record, padding included (written last)
///          4     4  CRC-32C of bytes 8 ..< 40 + topic + kept payload
///          8     8  sequence number
///         16     8  receipt time, microseconds since 1970
///         24     4  the payload's real size
///         28     4  topic length
///         32     4  kept payload length (the payload, or its first bytes when over the bound)
///         36     4  reserved, 0
///         40        topic, kept payload, zero padding to a multiple of 8
///
/// The length goes in last: a process killed in the middle of a write leaves a record of
/// length 0, which reads as the end. A power cut can leave anything, which the checksum catches.
public enum JournalRecord {
    public static let headerSize = 40

    /// What a read found at an offset.
    public enum Read: Equatable, Sendable {
        /// Nothing was written here: the segment's end.
        case end
        /// A whole record, its message's parts, and the offset of the next record.
        case record(Header, next: Int)
        /// Something that is not a whole record: a torn write or damage. Nothing after it can be trusted.
        case corrupt(String)
    }

    public struct Header: Equatable, Sendable {
        public var sequence: UInt64
        public var receivedAt: Int64
        public var size: Int
        /// Offset and length of the topic and of the kept payload, from the segment's start.
        public var topic: Range<Int>
        public var payload: Range<Int>
    }

    /// Bytes one record takes.
    public static func length(topic: Int, payload: Int) -> Int {
        (headerSize + topic + payload + 7) & ~7
    }

    /// Writes a record at `offset` (8-aligned, with `length(topic:payload:)` bytes free) and
    /// returns the offset after it.
    public static func write(into base: UnsafeMutableRawPointer, at offset: Int, sequence: UInt64, receivedAt: Int64,
                             topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, size: Int) -> Int {
        let total = length(topic: topic.count, payload: payload.count)
        let p = base + offset
        p.storeBytes(of: sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
        p.storeBytes(of: receivedAt.littleEndian, toByteOffset: 16, as: Int64.self)
        p.storeBytes(of: UInt32(truncatingIfNeeded: size).littleEndian, toByteOffset: 24, as: UInt32.self)
        p.storeBytes(of: UInt32(topic.count).littleEndian, toByteOffset: 28, as: UInt32.self)
        p.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 32, as: UInt32.self)
        p.storeBytes(of: UInt32(0), toByteOffset: 36, as: UInt32.self)
        if let t = topic.baseAddress, topic.count > 0 { (p + headerSize).copyMemory(from: t, byteCount: topic.count) }
        if let b = payload.baseAddress, payload.count > 0 { (p + headerSize + topic.count).copyMemory(from: b, byteCount: payload.count) }
        let used = headerSize + topic.count + payload.count
        if total > used { (p + used).initializeMemory(as: UInt8.self, repeating: 0, count: total - used) }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: p + 8, count: used - 8))
        p.storeBytes(of: crc.littleEndian, toByteOffset: 4, as: UInt32.self)
        p.storeBytes(of: UInt32(total).littleEndian, toByteOffset: 0, as: UInt32.self)
        return offset + total
    }

    /// Reads the record at `offset` of a segment whose bytes are `segment`.
    public static func read(_ segment: UnsafeRawBufferPointer, at offset: Int) -> Read {
        guard offset + 4 <= segment.count else { return .end }
        let length = Int(UInt32(littleEndian: segment.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        if length == 0 { return .end }
        guard length >= headerSize, length % 8 == 0, offset + length <= segment.count else {
            return .corrupt("a record length of \(length) bytes that does not fit the segment")
        }
        func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: segment.loadUnaligned(fromByteOffset: offset + at, as: UInt32.self))) }
        let topicLength = u32(28), payloadLength = u32(32)
        let used = headerSize + topicLength + payloadLength
        guard used <= length, self.length(topic: topicLength, payload: payloadLength) == length else {
            return .corrupt("topic and payload lengths (\(topicLength), \(payloadLength)) that do not match the record length \(length)")
        }
        let stored = UInt32(u32(4))
        let actual = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: segment[(offset + 8)..<(offset + used)]))
        guard stored == actual else { return .corrupt("a checksum mismatch") }
        let topicStart = offset + headerSize
        let header = Header(
            sequence: UInt64(littleEndian: segment.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)),
            receivedAt: Int64(littleEndian: segment.loadUnaligned(fromByteOffset: offset + 16, as: Int64.self)),
            size: u32(24), topic: topicStart..<(topicStart + topicLength),
            payload: (topicStart + topicLength)..<(topicStart + topicLength + payloadLength))
        return .record(header, next: offset + length)
    }
}
