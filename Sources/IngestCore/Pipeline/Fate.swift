/// What became of a record (or of a whole message that could not be decoded).
public enum Fate: Hashable, Sendable {
    case accepted
    case duplicate
    case updated
    case stale
    /// Rejected, with the reason's code.
    case rejected(String)

    init(_ verdict: MergeVerdict) {
        switch verdict {
        case .new: self = .accepted
        case .duplicate: self = .duplicate
        case .updated: self = .updated
        case .stale: self = .stale
        }
    }
}
