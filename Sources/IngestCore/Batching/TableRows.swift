/// One family's rows of one batch, for its table writer. Type-erased in `Batch`, so that a
/// batch can carry every family; the writer's registry opens it again.
public protocol TableRows: Sendable {
    var family: Family { get }
    var count: Int { get }
    /// The first `n` rows and the rest.
    func split(at n: Int) -> (any TableRows, any TableRows)
    /// Row `i` alone.
    func single(at i: Int) -> any TableRows
    /// Row `i` as JSON text, for a dead letter when the database refuses it.
    func json(at i: Int) -> String
    /// The message row `i` came from, when the pipeline recorded it (for a dead letter of
    /// the row that keeps the message's topic and payload).
    func origin(at i: Int) -> RecordOrigin?
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
    /// The message of each record, parallel to `records`; empty when nobody recorded them
    /// (rows made by hand, in tests). Append with `append(_:from:)` to keep them parallel.
    public var origins: [RecordOrigin]

    public init(_ records: [Record] = [], mayRepeatKeys: Bool = false, origins: [RecordOrigin] = []) {
        precondition(origins.isEmpty || origins.count == records.count, "Rows: one origin per record, or none")
        self.records = records
        self.mayRepeatKeys = mayRepeatKeys
        self.origins = origins
    }

    /// Adds a record with the message it came from.
    public mutating func append(_ record: Record, from origin: RecordOrigin) {
        records.append(record)
        origins.append(origin)
    }

    public var family: Family { Record.family }
    public var count: Int { records.count }

    public func split(at n: Int) -> (any TableRows, any TableRows) {
        let hasOrigins = !origins.isEmpty
        return (Rows(Array(records[..<n]), mayRepeatKeys: mayRepeatKeys, origins: hasOrigins ? Array(origins[..<n]) : []),
                Rows(Array(records[n...]), mayRepeatKeys: mayRepeatKeys, origins: hasOrigins ? Array(origins[n...]) : []))
    }

    public func single(at i: Int) -> any TableRows {
        Rows([records[i]], mayRepeatKeys: mayRepeatKeys, origins: origins.isEmpty ? [] : [origins[i]])
    }

    public func origin(at i: Int) -> RecordOrigin? { origins.isEmpty ? nil : origins[i] }

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
