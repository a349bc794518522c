import IngestCore
import PostgresClient

/// How readings and dead letters become binary COPY streams and array parameters.
enum BatchEncoding {
    static let readingColumns = "ts, device, metric, value, unit, quality, seq, site, line, received_at"

    /// A binary COPY stream of readings, in `readingColumns` order.
    static func copyStream(_ readings: [SensorReading]) -> [UInt8] {
        var w = BinaryCopyWriter(columns: 10, estimatedRows: readings.count)
        for r in readings {
            w.beginRow()
            w.fields.field(timestampMicros: r.ts.microseconds)
            w.fields.field(text: r.device)
            w.fields.field(text: r.metric)
            w.fields.field(float8: r.value)
            w.fields.field(text: r.unit)
            w.fields.field(text: r.quality)
            w.fields.field(int64: r.seq)
            w.fields.field(text: r.site)
            w.fields.field(text: r.line)
            w.fields.field(timestampMicros: r.receivedAt.microseconds)
        }
        return w.finish()
    }

    /// Ten array parameters of readings, in `readingColumns` order.
    static func arrays(_ readings: [SensorReading]) -> [PostgresParameter] {
        let n = readings.count
        var ts = BinaryArrayWriter(elementOid: PostgresType.timestamptz, arrayOid: PostgresType.timestamptzArray, capacity: n * 12)
        var device = BinaryArrayWriter(elementOid: PostgresType.text, arrayOid: PostgresType.textArray, capacity: n * 16)
        var metric = BinaryArrayWriter(elementOid: PostgresType.text, arrayOid: PostgresType.textArray, capacity: n * 16)
        var value = BinaryArrayWriter(elementOid: PostgresType.float8, arrayOid: PostgresType.float8Array, capacity: n * 12)
        var unit = BinaryArrayWriter(elementOid: PostgresType.text, arrayOid: PostgresType.textArray, capacity: n * 8)
        var quality = BinaryArrayWriter(elementOid: PostgresType.text, arrayOid: PostgresType.textArray, capacity: n * 8)
        var seq = BinaryArrayWriter(elementOid: PostgresType.int8, arrayOid: PostgresType.int8Array, capacity: n * 12)
        var site = BinaryArrayWriter(elementOid: PostgresType.text, arrayOid: PostgresType.textArray, capacity: n * 8)
        var line = BinaryArrayWriter(elementOid: PostgresType.text, arrayOid: PostgresType.textArray, capacity: n * 8)
        var received = BinaryArrayWriter(elementOid: PostgresType.timestamptz, arrayOid: PostgresType.timestamptzArray, capacity: n * 12)
        for r in readings {
            ts.elements.field(timestampMicros: r.ts.microseconds); ts.added()
            device.elements.field(text: r.device); device.added()
            metric.elements.field(text: r.metric); metric.added()
            value.elements.field(float8: r.value); value.added()
            unit.elements.field(text: r.unit); unit.added(null: r.unit == nil)
            quality.elements.field(text: r.quality); quality.added(null: r.quality == nil)
            seq.elements.field(int64: r.seq); seq.added(null: r.seq == nil)
            site.elements.field(text: r.site); site.added(null: r.site == nil)
            line.elements.field(text: r.line); line.added(null: r.line == nil)
            received.elements.field(timestampMicros: r.receivedAt.microseconds); received.added()
        }
        return [ts, device, metric, value, unit, quality, seq, site, line, received].map { $0.parameter() }
    }

    /// Seven array parameters of dead letters: received_at, topic, family, reason_code,
    /// reason, payload, payload_size.
    static func deadLetterArrays(_ letters: [DeadLetter]) -> [PostgresParameter] {
        var received = BinaryArrayWriter(elementOid: PostgresType.timestamptz, arrayOid: PostgresType.timestamptzArray)
        var topic = BinaryArrayWriter(elementOid: PostgresType.text, arrayOid: PostgresType.textArray)
        var family = BinaryArrayWriter(elementOid: PostgresType.text, arrayOid: PostgresType.textArray)
        var code = BinaryArrayWriter(elementOid: PostgresType.text, arrayOid: PostgresType.textArray)
        var reason = BinaryArrayWriter(elementOid: PostgresType.text, arrayOid: PostgresType.textArray)
        var payload = BinaryArrayWriter(elementOid: PostgresType.bytea, arrayOid: PostgresType.byteaArray)
        var size = BinaryArrayWriter(elementOid: PostgresType.int4, arrayOid: PostgresType.int4Array)
        for d in letters {
            received.elements.field(timestampMicros: d.receivedAt.microseconds); received.added()
            topic.elements.field(text: d.topic.withoutNUL); topic.added()
            family.elements.field(text: d.family); family.added()
            code.elements.field(text: d.reasonCode); code.added()
            reason.elements.field(text: d.reason.withoutNUL); reason.added()
            payload.elements.field(bytes: d.payload); payload.added()
            size.elements.field(int32: Int32(clamping: d.payloadSize)); size.added()
        }
        return [received, topic, family, code, reason, payload, size].map { $0.parameter() }
    }
}

extension String {
    /// PostgreSQL text cannot hold NUL; a dead letter must still be storable.
    var withoutNUL: String { contains("\0") ? replacing("\0", with: "\u{FFFD}") : self }
}
