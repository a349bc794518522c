/// What one database transaction writes: each family's rows and the dead letters, and the
/// highest inbound sequence number whose fate the batch settles.
public struct Batch: Sendable, Equatable {
    public var tables: [any TableRows]
    public var deadLetters: [DeadLetter]
    /// Every message up to this sequence number has its fate in this batch or an earlier one.
    public var lastSequence: UInt64?

    public init(tables: [any TableRows] = [], deadLetters: [DeadLetter] = [], lastSequence: UInt64? = nil) {
        self.tables = tables.filter { $0.count > 0 }
        self.deadLetters = deadLetters
        self.lastSequence = lastSequence
    }

    public var isEmpty: Bool { count == 0 }
    /// Rows of every table plus dead letters.
    public var count: Int { rowCount + deadLetters.count }
    public var rowCount: Int { tables.reduce(0) { $0 + $1.count } }

    /// The rows of one family, if the batch holds any.
    public func rows<Record>(_: Record.Type) -> [Record]? where Record: FamilyRecord & JSONDescribable {
        for t in tables { if let rows = t as? Rows<Record> { return rows.records } }
        return nil
    }

    /// The first `n` entries (rows in table order, then dead letters) and the rest. With
    /// 0 < n < count both halves are non-empty and smaller: what the refusal search relies on.
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

    public static func == (a: Batch, b: Batch) -> Bool {
        a.deadLetters == b.deadLetters && a.lastSequence == b.lastSequence && a.tables.count == b.tables.count
            && zip(a.tables, b.tables).allSatisfy { $0.isEqual(to: $1) }
    }
}
