/// The 64-bit FNV-1a hash, written out: the same bytes give the same value in every process,
/// on every run and every machine (Swift's `Hasher` is seeded per process). What it names
/// outlives the process: a dead letter's key in the database, a message's digest in the
/// redelivery window. Not a cryptographic hash: it tells repeats apart, it does not resist
/// someone forging a collision.
public struct FNV1a64: Sendable {
    public static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// The hash of everything added so far.
    public private(set) var value = offsetBasis

    public init() {}

    @inline(__always) public mutating func add(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    public mutating func add<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        for b in bytes { add(byte: b) }
    }

    /// Eight bytes, least significant first.
    public mutating func add(_ v: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { add(byte: UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    public mutating func add(_ v: Int64) { add(UInt64(bitPattern: v)) }

    /// A field of several: its length first, so that ("ab", "c") and ("a", "bc") differ.
    public mutating func add(field bytes: [UInt8]) {
        add(UInt64(bytes.count))
        add(bytes: bytes)
    }

    public mutating func add(field text: String) {
        add(UInt64(text.utf8.count))
        add(bytes: text.utf8)
    }
}
