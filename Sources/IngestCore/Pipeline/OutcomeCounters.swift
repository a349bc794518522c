/// Counts of every reading's fate (accepted, duplicate, updated, rejected), of dead letters,
/// and of rejections by reason code.
public struct OutcomeCounters: Equatable, Sendable {
    public var accepted = 0
    public var duplicate = 0
    public var updated = 0
    public var rejected = 0
    public var deadLetters = 0
    public var rejectedByReason: [String: Int] = [:]

    public init() {}

    public mutating func countRejection(_ reason: RejectReason) {
        rejected += 1
        rejectedByReason[reason.code, default: 0] += 1
    }

    /// One line for the logs: `accepted=… duplicate=… updated=… rejected=… (reason=n, …)`.
    public var summary: String {
        var s = "accepted=\(accepted) duplicate=\(duplicate) updated=\(updated) rejected=\(rejected) dead_letters=\(deadLetters)"
        if !rejectedByReason.isEmpty {
            s += " (" + rejectedByReason.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + ")"
        }
        return s
    }
}
