import IngestCore
import PostgresClient

/// Writes machine events, keyed on (machine, event_id): the same business fields again change
/// nothing; other fields with a received_time not earlier update the event; an earlier one is
/// stale and ignored (`MachineEvent.content` and `order` in the window). Another machine's
/// event with the same event_id is another row.
struct MachineEventTableWriter: TableWriter {
    static let insert = """
        INSERT INTO machine_events AS m
            (event_id, machine, site, line, event_time, duration_ms, defect_count, received_time, received_at)
        SELECT event_id, machine, site, line, event_time, duration_ms, defect_count::int, received_time, received_at
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::int8[], $7::int8[],
                    $8::timestamptz[], $9::timestamptz[])
             AS u(event_id, machine, site, line, event_time, duration_ms, defect_count, received_time, received_at)
        ON CONFLICT (machine, event_id) DO UPDATE SET
            site = EXCLUDED.site, line = EXCLUDED.line, event_time = EXCLUDED.event_time,
            duration_ms = EXCLUDED.duration_ms, defect_count = EXCLUDED.defect_count,
            received_time = EXCLUDED.received_time, received_at = EXCLUDED.received_at
        WHERE (m.line, m.event_time, m.duration_ms, m.defect_count)
              IS DISTINCT FROM (EXCLUDED.line, EXCLUDED.event_time, EXCLUDED.duration_ms, EXCLUDED.defect_count)
          AND EXCLUDED.received_time >= m.received_time
        """

    func write(_ rows: Rows<MachineEvent>, on connection: PostgresConnection) throws(PostgresError) -> [CommitEffect] {
        let events = rows.recordsWithUniqueKeys
        let n = events.count
        var id = ArrayColumn.text(n), machine = ArrayColumn.text(n), site = ArrayColumn.text(n), line = ArrayColumn.text(n)
        var eventTime = ArrayColumn.timestamptz(n), duration = ArrayColumn.int8(n), defects = ArrayColumn.int8(n)
        var receivedTime = ArrayColumn.timestamptz(n), received = ArrayColumn.timestamptz(n)
        for e in events {
            id.append(e.eventID); machine.append(e.machine); site.append(e.site); line.append(e.line)
            eventTime.append(e.eventTime); duration.append(e.durationMs); defects.append(e.defectCount)
            receivedTime.append(e.receivedTime); received.append(e.receivedAt)
        }
        try connection.execute(Self.insert, [id, machine, site, line, eventTime, duration, defects, receivedTime, received].map(\.parameter))
        return []
    }
}
