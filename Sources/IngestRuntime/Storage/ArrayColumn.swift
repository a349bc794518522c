import IngestCore
import PostgresClient

/// One binary array parameter of an `INSERT … SELECT FROM unnest($1, $2, …)`, built row by
/// row; nil elements become SQL NULL.
struct ArrayColumn {
    private var writer: BinaryArrayWriter

    private init(_ element: UInt32, _ array: UInt32, capacity: Int) {
        writer = BinaryArrayWriter(elementOid: element, arrayOid: array, capacity: capacity)
    }

    static func text(_ rows: Int) -> ArrayColumn { ArrayColumn(PostgresType.text, PostgresType.textArray, capacity: rows * 16) }
    static func float8(_ rows: Int) -> ArrayColumn { ArrayColumn(PostgresType.float8, PostgresType.float8Array, capacity: rows * 12) }
    static func int8(_ rows: Int) -> ArrayColumn { ArrayColumn(PostgresType.int8, PostgresType.int8Array, capacity: rows * 12) }
    static func int4(_ rows: Int) -> ArrayColumn { ArrayColumn(PostgresType.int4, PostgresType.int4Array, capacity: rows * 8) }
    static func bytea(_ rows: Int) -> ArrayColumn { ArrayColumn(PostgresType.bytea, PostgresType.byteaArray, capacity: rows * 64) }
    static func timestamptz(_ rows: Int) -> ArrayColumn {
        ArrayColumn(PostgresType.timestamptz, PostgresType.timestamptzArray, capacity: rows * 12)
    }

    mutating func append(_ v: String?) {
        writer.elements.field(text: v)
        writer.added(null: v == nil)
    }

    mutating func append(_ v: Double?) {
        if let v { writer.elements.field(float8: v) } else { writer.elements.null() }
        writer.added(null: v == nil)
    }

    mutating func append(_ v: Int64?) {
        writer.elements.field(int64: v)
        writer.added(null: v == nil)
    }

    mutating func append(_ v: Timestamp?) {
        if let v { writer.elements.field(timestampMicros: v.microseconds) } else { writer.elements.null() }
        writer.added(null: v == nil)
    }

    mutating func append(_ v: Int32) {
        writer.elements.field(int32: v)
        writer.added()
    }

    mutating func append(_ v: [UInt8]) {
        writer.elements.field(bytes: v)
        writer.added()
    }

    var parameter: PostgresParameter { writer.parameter() }
}
