/// What an arriving record is, measured against the version already known under its key.
public enum MergeVerdict: String, Equatable, Sendable {
    /// The key is new.
    case new
    /// Same key, same business fields: nothing to write.
    case duplicate
    /// Same key, other business fields, and not older than the known version: it replaces it.
    case updated
    /// Same key, other business fields, but older than the known version: ignored, so that an
    /// original arriving after its correction does not undo it.
    case stale
}

/// A record of one device family: its natural key, the business fields that tell a duplicate
/// from a correction, and the order in which versions of one key replace each other. The
/// in-memory dedup window and the table's ON CONFLICT clause apply the same rule.
public protocol FamilyRecord: Sendable, Equatable {
    /// The natural key, as the table's unique key has it.
    associatedtype Key: Hashable, Sendable
    /// The business fields: same key and same content is a duplicate.
    associatedtype Content: Equatable, Sendable

    static var family: Family { get }
    var key: Key { get }
    var content: Content { get }
    /// The version order: a version with a later (or equal) order replaces an earlier one.
    var order: Timestamp { get }
    /// When the device says this happened (its own clock): the start of the end-to-end latency.
    var deviceTime: Timestamp { get }
    /// What the alert engine and the aggregator see of this record (nothing by default).
    func observe(route: Int, into observations: inout [Observation])
}

extension FamilyRecord {
    public func observe(route: Int, into observations: inout [Observation]) {}

    /// The merge rule: what `self` is to `known`, a version with the same key.
    public func verdict(against known: (content: Content, order: Timestamp)) -> MergeVerdict {
        if content == known.content { return .duplicate }
        return order >= known.order ? .updated : .stale
    }
}
