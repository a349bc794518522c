/// Builders for PostgreSQL's binary formats: `COPY … (FORMAT binary)` streams and one-
/// dimensional array parameters. Big-endian throughout, as the protocol wants.
public enum PostgresType {
    public static let int8: UInt32 = 20
    public static let text: UInt32 = 25
    public static let int4: UInt32 = 23
    public static let float8: UInt32 = 701
    public static let timestamptz: UInt32 = 1184
    public static let bytea: UInt32 = 17
    public static let int8Array: UInt32 = 1016
    public static let textArray: UInt32 = 1009
    public static let int4Array: UInt32 = 1007
    public static let float8Array: UInt32 = 1022
    public static let timestamptzArray: UInt32 = 1185
    public static let byteaArray: UInt32 = 1001

    /// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
    public static let postgresEpochOffsetMicros: Int64 = 946_684_800_000_000
}

/// Appends binary field values (length-prefixed) to a byte buffer.
public struct BinaryFieldWriter {
    public var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always) public mutating func int16(_ v: Int16) {
        let u = UInt16(bitPattern: v)
        bytes.append(UInt8(u >> 8)); bytes.append(UInt8(u & 0xFF))
    }

    @inline(__always) public mutating func int32(_ v: Int32) {
        let u = UInt32(bitPattern: v)
        bytes.append(UInt8(u >> 24)); bytes.append(UInt8((u >> 16) & 0xFF))
        bytes.append(UInt8((u >> 8) & 0xFF)); bytes.append(UInt8(u & 0xFF))
    }

    @inline(__always) public mutating func int64(_ v: Int64) {
        var u = UInt64(bitPattern: v).bigEndian
        withUnsafeBytes(of: &u) { bytes.append(contentsOf: $0) }
    }

    /// A NULL field.
    @inline(__always) public mutating func null() { int32(-1) }

    @inline(__always) public mutating func field(int64 v: Int64) { int32(8); int64(v) }

    @inline(__always) public mutating func field(float8 v: Double) { int32(8); int64(Int64(bitPattern: v.bitPattern)) }

    /// A timestamptz from microseconds since the Unix epoch.
    @inline(__always) public mutating func field(timestampMicros v: Int64) {
        int32(8); int64(v - PostgresType.postgresEpochOffsetMicros)
    }

    @inline(__always) public mutating func field(int32 v: Int32) { int32(4); int32(v) }

    @inline(__always) public mutating func field(text s: String) {
        var s = s
        s.withUTF8 { u in
            int32(Int32(u.count))
            bytes.append(contentsOf: u)
        }
    }

    @inline(__always) public mutating func field(bytes b: [UInt8]) {
        int32(Int32(b.count))
        bytes.append(contentsOf: b)
    }

    @inline(__always) public mutating func field(text s: String?) {
        if let s { field(text: s) } else { null() }
    }

    @inline(__always) public mutating func field(int64 v: Int64?) {
        if let v { field(int64: v) } else { null() }
    }
}

/// A binary COPY stream: header, tuples, trailer.
public struct BinaryCopyWriter {
    public var fields: BinaryFieldWriter
    private let columns: Int16

    public init(columns: Int, estimatedRows: Int = 0) {
        self.columns = Int16(columns)
        fields = BinaryFieldWriter(capacity: 19 + estimatedRows * columns * 12)
        fields.bytes.append(contentsOf: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        fields.int32(0)  // flags
        fields.int32(0)  // header extension length
    }

    /// Starts a tuple; write exactly `columns` fields after it.
    @inline(__always) public mutating func beginRow() { fields.int16(columns) }

    /// The finished stream.
    public mutating func finish() -> [UInt8] {
        fields.int16(-1)
        return fields.bytes
    }
}

/// A one-dimensional binary array parameter, e.g. `float8[]`, built element by element.
public struct BinaryArrayWriter {
    public var elements: BinaryFieldWriter
    private let elementOid: UInt32
    private let arrayOid: UInt32
    private var count: Int32 = 0
    private var hasNull = false

    public init(elementOid: UInt32, arrayOid: UInt32, capacity: Int = 0) {
        self.elementOid = elementOid
        self.arrayOid = arrayOid
        elements = BinaryFieldWriter(capacity: capacity)
    }

    /// Call once for each element after writing it to `elements`.
    @inline(__always) public mutating func added(null: Bool = false) {
        count += 1
        if null { hasNull = true }
    }

    public func parameter() -> PostgresParameter {
        var header = BinaryFieldWriter(capacity: 20 + elements.bytes.count)
        header.int32(1)                         // dimensions
        header.int32(hasNull ? 1 : 0)           // has nulls
        header.int32(Int32(bitPattern: elementOid))
        header.int32(count)                     // dimension size
        header.int32(1)                         // lower bound
        header.bytes.append(contentsOf: elements.bytes)
        return PostgresParameter(oid: arrayOid, bytes: header.bytes, binary: true)
    }
}
