import IngestCore
import PostgresClient

/// Writes equipment-state changes: every change into `equipment_state_history`, and the
/// newest per piece of equipment — (site, line, equipment) — into `equipment_state_current`
/// (the same name on two sites is two rows) — last writer wins on changed_at, ties
/// broken by (source, seq), decided by the upsert itself so that two instances cannot race.
/// The rows the upsert changed come back as effects: their retained state is published.
struct EquipmentStateTableWriter: TableWriter {
    /// The history's key is (site, line, equipment, changed_at, source) (migration 16, a
    /// `UNIQUE NULLS NOT DISTINCT` constraint: a level the route does not capture is NULL,
    /// and NULL is one value in the key): a change of the same name on another site or line
    /// is a row of its own. The same change again replaces its row only when it is a
    /// correction (other content) received no earlier.
    static let historyInsert = """
        INSERT INTO equipment_state_history AS h
            (changed_at, equipment, source, state, worker, seq, site, line, received_at)
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[],
                             $7::text[], $8::text[], $9::timestamptz[])
        ON CONFLICT (site, line, equipment, changed_at, source) DO UPDATE SET
            state = EXCLUDED.state, worker = EXCLUDED.worker, seq = EXCLUDED.seq, received_at = EXCLUDED.received_at
        WHERE (h.state, h.worker, h.seq) IS DISTINCT FROM (EXCLUDED.state, EXCLUDED.worker, EXCLUDED.seq)
          AND EXCLUDED.received_at >= h.received_at
        """

    /// `EquipmentStateChange.supersedes` in SQL (sources compared byte by byte, as Swift
    /// compares them, whatever the database's collation); a correction of the current
    /// change itself (same changed_at, source and seq, other state or worker) also moves it.
    static let currentUpsert = """
        INSERT INTO equipment_state_current AS c
            (changed_at, equipment, source, state, worker, seq, site, line, received_at)
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[],
                             $7::text[], $8::text[], $9::timestamptz[])
        ON CONFLICT ((coalesce(site, '')), (coalesce(line, '')), equipment) DO UPDATE SET
            changed_at = EXCLUDED.changed_at, source = EXCLUDED.source, state = EXCLUDED.state,
            worker = EXCLUDED.worker, seq = EXCLUDED.seq, site = EXCLUDED.site, line = EXCLUDED.line,
            received_at = EXCLUDED.received_at
        WHERE (EXCLUDED.changed_at, EXCLUDED.source COLLATE "C", coalesce(EXCLUDED.seq, -1))
              > (c.changed_at, c.source COLLATE "C", coalesce(c.seq, -1))
           OR ((EXCLUDED.changed_at, EXCLUDED.source, coalesce(EXCLUDED.seq, -1)) = (c.changed_at, c.source, coalesce(c.seq, -1))
               AND (EXCLUDED.state, EXCLUDED.worker) IS DISTINCT FROM (c.state, c.worker)
               AND EXCLUDED.received_at >= c.received_at)
        RETURNING coalesce(site, ''), coalesce(line, ''), equipment
        """

    func write(_ rows: Rows<EquipmentStateChange>, on connection: PostgresConnection) throws(PostgresError) -> [CommitEffect] {
        try connection.execute(Self.historyInsert, Self.arrays(rows.recordsWithUniqueKeys))
        let newest = EquipmentStateChange.newestPerEquipment(rows.records)
        let changed = Set(try connection.execute(Self.currentUpsert, Self.arrays(newest)).rows.compactMap { row in
            row[2].map { EquipmentStateChange.Identity(site: row[0], line: row[1], equipment: $0) }
        })
        return newest.filter { changed.contains($0.identity) }.map { .currentState($0) }
    }

    static func arrays(_ changes: [EquipmentStateChange]) -> [PostgresParameter] {
        let n = changes.count
        var changedAt = ArrayColumn.timestamptz(n), equipment = ArrayColumn.text(n), source = ArrayColumn.text(n)
        var state = ArrayColumn.text(n), worker = ArrayColumn.text(n), seq = ArrayColumn.int8(n)
        var site = ArrayColumn.text(n), line = ArrayColumn.text(n), received = ArrayColumn.timestamptz(n)
        for c in changes {
            changedAt.append(c.changedAt); equipment.append(c.equipment); source.append(c.source)
            state.append(c.state); worker.append(c.worker); seq.append(c.seq)
            site.append(c.site); line.append(c.line); received.append(c.receivedAt)
        }
        return [changedAt, equipment, source, state, worker, seq, site, line, received].map(\.parameter)
    }
}
