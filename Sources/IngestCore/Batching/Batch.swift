/// What one database transaction writes: each family's rows and the dead letters, the alerts
/// raised and cleared meanwhile, and the highest inbound sequence number whose fate the batch
/// settles. The window summaries closed meanwhile ride along, to be published once it commits.
public struct Batch: Sendable, Equatable {
    public var tables: [any TableRows]
    public var deadLetters: [DeadLetter]
    /// Every message up to this sequence number has its fate in this batch or an earlier one.
    public var lastSequence: UInt64?
    /// Derived from the rows, not entries of their own: `split` leaves them out, so the
    /// refusal search never writes them twice; the writer writes them on their own then.
    public var alerts: [AlertEvent]
    public var aggregates: [WindowSummary]

    public init(tables: [any TableRows] = [], deadLetters: [DeadLetter] = [], lastSequence: UInt64? = nil,
                alerts: [AlertEvent] = [], aggregates: [WindowSummary] = []) {
        self.tables = tables.filter { $0.count > 0 }
        self.deadLetters = deadLetters
        self.lastSequence = lastSequence
        self.alerts = alerts
        self.aggregates = aggregates
    }

    public var isEmpty: Bool { count == 0 && alerts.isEmpty && aggregates.isEmpty }
    /// Rows of every table plus dead letters (the entries the refusal search splits).
    public var count: Int { rowCount + deadLetters.count }

    /// The alerts and window summaries alone, for writing after a refusal search.
    public var derived: Batch { Batch(lastSequence: lastSequence, alerts: alerts, aggregates: aggregates) }
    public var rowCount: Int { tables.reduce(0) { $0 + $1.count } }

    /// The rows of one family, if the batch holds any.
    public func rows<Record>(_: Record.Type) -> [Record]? where Record: FamilyRecord & JSONDescribable {
        for t in tables { if let rows = t as? Rows<Record> { return rows.records } }
        return nil
    }

    /// The first `n` entries (rows in table order, then dead letters) and the rest, without
    /// alerts and summaries. With 0 < n < count both halves are non-empty and smaller: what
    /// the refusal search relies on.
    public func split(at n: Int) -> (Batch, Batch) {
        var first: [any TableRows] = []
        var second: [any TableRows] = []
        var left = n
        for t in tables {
            if left >= t.count {
                first.append(t)
                left -= t.count
            } else if left == 0 {
                second.append(t)
            } else {
                let (a, b) = t.split(at: left)
                first.append(a)
                second.append(b)
                left = 0
            }
        }
        let letters = min(left, deadLetters.count)
        return (Batch(tables: first, deadLetters: Array(deadLetters[..<letters]), lastSequence: lastSequence),
                Batch(tables: second, deadLetters: Array(deadLetters[letters...]), lastSequence: lastSequence))
    }

    /// Each entry alone (rows in table order, then dead letters), without alerts and summaries.
    public var entries: [Batch] {
        var out: [Batch] = []
        out.reserveCapacity(count)
        for t in tables {
            for i in 0..<t.count { out.append(Batch(tables: [t.single(at: i)], lastSequence: lastSequence)) }
        }
        for letter in deadLetters { out.append(Batch(deadLetters: [letter], lastSequence: lastSequence)) }
        return out
    }

    public static func == (a: Batch, b: Batch) -> Bool {
        a.deadLetters == b.deadLetters && a.lastSequence == b.lastSequence && a.alerts == b.alerts && a.aggregates == b.aggregates
            && a.tables.count == b.tables.count
            && zip(a.tables, b.tables).allSatisfy { $0.isEqual(to: $1) }
    }
}
