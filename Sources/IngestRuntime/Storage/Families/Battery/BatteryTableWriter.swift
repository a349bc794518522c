import IngestCore
import PostgresClient

/// Writes battery records into `battery_readings`: a duplicate changes nothing, a correction
/// of any parameter received not earlier replaces the row (`BatteryReading.content`).
struct BatteryTableWriter: TableWriter {
    static let insert = """
        INSERT INTO battery_readings AS b
            (ts, battery, site, voltage, current, temperature, soc, soh, cycles, seq, extra, received_at)
        SELECT ts, battery, site, voltage, current, temperature, soc, soh, cycles, seq, extra::jsonb, received_at
        FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],
                    $8::float8[], $9::int8[], $10::int8[], $11::text[], $12::timestamptz[])
             AS u(ts, battery, site, voltage, current, temperature, soc, soh, cycles, seq, extra, received_at)
        ON CONFLICT (battery, ts) DO UPDATE SET
            site = EXCLUDED.site, voltage = EXCLUDED.voltage, current = EXCLUDED.current,
            temperature = EXCLUDED.temperature, soc = EXCLUDED.soc, soh = EXCLUDED.soh, cycles = EXCLUDED.cycles,
            seq = EXCLUDED.seq, extra = EXCLUDED.extra, received_at = EXCLUDED.received_at
        WHERE (b.voltage, b.current, b.temperature, b.soc, b.soh, b.cycles, b.extra)
              IS DISTINCT FROM (EXCLUDED.voltage, EXCLUDED.current, EXCLUDED.temperature, EXCLUDED.soc, EXCLUDED.soh,
                                EXCLUDED.cycles, EXCLUDED.extra)
          AND EXCLUDED.received_at >= b.received_at
        """

    func write(_ rows: Rows<BatteryReading>, on connection: PostgresConnection) throws(PostgresError) -> [CommitEffect] {
        let records = rows.recordsWithUniqueKeys
        let n = records.count
        var ts = ArrayColumn.timestamptz(n), battery = ArrayColumn.text(n), site = ArrayColumn.text(n)
        var voltage = ArrayColumn.float8(n), current = ArrayColumn.float8(n), temperature = ArrayColumn.float8(n)
        var soc = ArrayColumn.float8(n), soh = ArrayColumn.float8(n), cycles = ArrayColumn.int8(n), seq = ArrayColumn.int8(n)
        var extra = ArrayColumn.text(n), received = ArrayColumn.timestamptz(n)
        for r in records {
            ts.append(r.ts); battery.append(r.battery); site.append(r.site)
            voltage.append(r.voltage); current.append(r.current); temperature.append(r.temperature)
            soc.append(r.soc); soh.append(r.soh); cycles.append(r.cycles); seq.append(r.seq)
            extra.append(r.extra); received.append(r.receivedAt)
        }
        try connection.execute(Self.insert, [ts, battery, site, voltage, current, temperature, soc, soh, cycles, seq, extra, received].map(\.parameter))
        return []
    }
}
