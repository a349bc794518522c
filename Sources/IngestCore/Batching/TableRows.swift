/// One family's rows of one batch, for its table writer. Type-erased in `Batch`, so that a
/// batch can carry every family; the writer's registry opens it again.
public protocol TableRows: Sendable {
    var family: Family { get }
    var count: Int { get }
    /// The first `n` rows and the rest.
    func split(at n: Int) -> (any TableRows, any TableRows)
    /// Row `i` as JSON text, for a dead letter when the database refuses it.
    func json(at i: Int) -> String
    /// The receipt time of row `i`.
    func receivedAt(at i: Int) -> Timestamp
    /// The device's own time of row `i` (`FamilyRecord.deviceTime`).
    func deviceTime(at i: Int) -> Timestamp
    func isEqual(to other: any TableRows) -> Bool
}

/// The rows of one family in arrival order. `mayRepeatKeys` is set when an update was added:
/// the same key may then stand twice, and `recordsWithUniqueKeys` keeps the last (a single
/// INSERT … ON CONFLICT may not touch a row twice).
public struct Rows<Record: FamilyRecord & JSONDescribable>: TableRows, Equatable {
    public var records: [Record]
    public var mayRepeatKeys: Bool

    public init(_ records: [Record] = [], mayRepeatKeys: Bool = false) {
        self.records = records
        self.mayRepeatKeys = mayRepeatKeys
    }

    public var family: Family { Record.family }
    public var count: Int { records.count }

    public func split(at n: Int) -> (any TableRows, any TableRows) {
        (Rows(Array(records[..<n]), mayRepeatKeys: mayRepeatKeys), Rows(Array(records[n...]), mayRepeatKeys: mayRepeatKeys))
    }

    public func json(at i: Int) -> String { records[i].json }
    public func receivedAt(at i: Int) -> Timestamp { records[i].receivedAt }
    public func deviceTime(at i: Int) -> Timestamp { records[i].deviceTime }

    public func isEqual(to other: any TableRows) -> Bool { (other as? Rows<Record>) == self }

    /// The records with each key once, the last winning, in first-seen order.
    public var recordsWithUniqueKeys: [Record] {
        guard mayRepeatKeys else { return records }
        var position: [Record.Key: Int] = [:]
        var out: [Record] = []
        out.reserveCapacity(records.count)
        for r in records {
            if let i = position[r.key] {
                out[i] = r
            } else {
                position[r.key] = out.count
                out.append(r)
            }
        }
        return out
    }
}

/// A record that can show itself as JSON (through `JSONWriter`).
public protocol JSONDescribable {
    var json: String { get }
    var receivedAt: Timestamp { get }
}
