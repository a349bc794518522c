import IngestCore
import PostgresClient

/// Writes alert changes in the batch's transaction; the table decides which are news. A
/// raise is stored unless the alert is open already (one open per rule, site, line, device
/// and metric; a missing site or line counts as '') or the same alert was raised and cleared since (a replay after a crash that came between
/// a commit and its journal checkpoint). A clear closes the open alert raised before it. Only
/// what the table took comes back as effects to publish, so a replay repeats nothing.
struct AlertTableWriter {
    static let raise = """
        INSERT INTO alerts (rule, kind, severity, family, site, line, device, metric, value, threshold, raised_at, detail)
        SELECT $1, $2, $3, $4, $5, $12, $6, $7, $8::float8, $9::float8, $10::timestamptz, $11
        WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE rule = $1 AND coalesce(site, '') = coalesce($5, '')
                          AND coalesce(line, '') = coalesce($12, '') AND device = $6 AND metric = $7
                          AND cleared_at >= $10::timestamptz)
        ON CONFLICT DO NOTHING
        RETURNING raised_at
        """

    static let clear = """
        UPDATE alerts SET cleared_at = $4::timestamptz, clear_value = $5::float8
        WHERE rule = $1 AND coalesce(site, '') = coalesce($6, '') AND coalesce(line, '') = coalesce($7, '')
          AND device = $2 AND metric = $3 AND cleared_at IS NULL AND raised_at <= $4::timestamptz
        RETURNING value, threshold, (extract(epoch FROM raised_at) * 1000000)::int8
        """

    func write(_ events: [AlertEvent], on connection: PostgresConnection) throws(PostgresError) -> [CommitEffect] {
        var effects: [CommitEffect] = []
        for event in events {
            var a = event.alert
            if event.isRaise {
                let stored = try connection.execute(Self.raise, [
                    .text(a.rule), .text(a.kind), .text(a.severity.rawValue), .text(a.family.rawValue), .text(a.site), .text(a.device),
                    .text(a.metric), .text(a.value.map { "\($0)" }), .text(a.threshold.map { "\($0)" }), .text("\(a.raisedAt)"),
                    .text(a.detail), .text(a.line),
                ])
                if !stored.rows.isEmpty { effects.append(.alert(event)) }
            } else {
                let closed = try connection.execute(Self.clear, [
                    .text(a.rule), .text(a.device), .text(a.metric), .text("\(a.clearedAt!)"), .text(a.clearValue.map { "\($0)" }),
                    .text(a.site), .text(a.line),
                ])
                guard let row = closed.rows.first else { continue }
                // The open alert as stored: after a restart the engine may know less of it.
                a.value = row[0].flatMap(Double.init)
                a.threshold = row[1].flatMap(Double.init)
                if let micros = row[2].flatMap({ Int64($0) }) { a.raisedAt = Timestamp(microseconds: micros) }
                effects.append(.alert(AlertEvent(a)))
            }
        }
        return effects
    }
}
