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
        var ts = ArrayColumn.timestamptz(n), device = ArrayColumn.text(n), metric = ArrayColumn.text(n)
        var value = ArrayColumn.float8(n), unit = ArrayColumn.text(n), quality = ArrayColumn.text(n)
        var seq = ArrayColumn.int8(n), site = ArrayColumn.text(n), line = ArrayColumn.text(n)
        var received = ArrayColumn.timestamptz(n)
        for r in readings {
            ts.append(r.ts); device.append(r.device); metric.append(r.metric); value.append(r.value)
            unit.append(r.unit); quality.append(r.quality); seq.append(r.seq); site.append(r.site); line.append(r.line)
            received.append(r.receivedAt)
        }
        return [ts, device, metric, value, unit, quality, seq, site, line, received].map(\.parameter)
    }

    /// Eight array parameters of dead letters: received_at, topic, family, reason_code,
    /// reason, payload, payload_size, message_key.
    static func deadLetterArrays(_ letters: [DeadLetter]) -> [PostgresParameter] {
        let n = letters.count
        var received = ArrayColumn.timestamptz(n), topic = ArrayColumn.text(n), family = ArrayColumn.text(n)
        var code = ArrayColumn.text(n), reason = ArrayColumn.text(n), payload = ArrayColumn.bytea(n), size = ArrayColumn.int4(n)
        var key = ArrayColumn.int8(n)
        for d in letters {
            received.append(d.receivedAt); topic.append(d.topic.withoutNUL); family.append(d.family)
            code.append(d.reasonCode); reason.append(d.reason.withoutNUL); payload.append(d.payload)
            size.append(Int32(clamping: d.payloadSize)); key.append(d.key)
        }
        return [received, topic, family, code, reason, payload, size, key].map(\.parameter)
    }
}

extension String {
    /// PostgreSQL text cannot hold NUL; a dead letter must still be storable.
    var withoutNUL: String { contains("\0") ? replacing("\0", with: "\u{FFFD}") : self }
}
