/// Counts of every fate per family, and of dead letters.
public struct FateCounters: Equatable, Sendable {
    /// The counts of one family.
    public struct Counts: Equatable, Sendable {
        public var accepted = 0
        public var duplicate = 0
        public var updated = 0
        public var stale = 0
        public var rejected = 0
        public var deadLetters = 0
        public var rejectedByReason: [String: Int] = [:]

        public init() {}

        mutating func add(_ fate: Fate, _ n: Int) {
            switch fate {
            case .accepted: accepted += n
            case .duplicate: duplicate += n
            case .updated: updated += n
            case .stale: stale += n
            case .rejected(let code):
                rejected += n
                rejectedByReason[code, default: 0] += n
            }
        }

        mutating func add(_ other: Counts) {
            accepted += other.accepted
            duplicate += other.duplicate
            updated += other.updated
            stale += other.stale
            rejected += other.rejected
            deadLetters += other.deadLetters
            for (k, v) in other.rejectedByReason { rejectedByReason[k, default: 0] += v }
        }
    }

    /// One slot per family in `Family.allCases` order, then "unrouted", then any other name:
    /// counting a record is an array access, not a hash of the family's name (this runs for
    /// every message).
    private var slots: [Counts] = []
    private var otherNames: [String] = []
    private static let names = Family.allCases.map(\.rawValue) + ["unrouted"]

    public init() {}

    /// The counts of every family that has any, by family name.
    public var byFamily: [String: Counts] {
        var out: [String: Counts] = [:]
        for (i, c) in slots.enumerated() where c != Counts() { out[name(of: i)] = c }
        return out
    }

    public var isEmpty: Bool { slots.allSatisfy { $0 == Counts() } }

    private func name(of slot: Int) -> String {
        slot < Self.names.count ? Self.names[slot] : otherNames[slot - Self.names.count]
    }

    private mutating func slot(_ family: String) -> Int {
        var i = Self.names.firstIndex(of: family)
        if i == nil {
            if let j = otherNames.firstIndex(of: family) {
                i = Self.names.count + j
            } else {
                otherNames.append(family)
                i = Self.names.count + otherNames.count - 1
            }
        }
        if slots.count <= i! { slots.append(contentsOf: repeatElement(Counts(), count: i! + 1 - slots.count)) }
        return i!
    }

    /// Applies a counting action; other actions count their dead letters.
    public mutating func apply(_ action: PipelineAction) {
        switch action {
        case let .counted(family, fate, n): slots[slot(family)].add(fate, n)
        case .deadLetter(let letter): slots[slot(letter.family)].deadLetters += 1
        case .flush: break
        }
    }

    public mutating func add(_ other: FateCounters) {
        for (i, counts) in other.slots.enumerated() where counts != Counts() {
            slots[slot(other.name(of: i))].add(counts)
        }
    }

    public static func == (a: FateCounters, b: FateCounters) -> Bool { a.byFamily == b.byFamily }

    /// All families together.
    public var total: Counts {
        var t = Counts()
        for c in byFamily.values { t.add(c) }
        return t
    }

    /// One line for the logs: `sensor: accepted=… duplicate=… …; battery: …`.
    public var summary: String {
        guard !byFamily.isEmpty else { return "nothing yet" }
        return byFamily.sorted { $0.key < $1.key }.map { family, c in
            var s = "\(family): accepted=\(c.accepted) duplicate=\(c.duplicate) updated=\(c.updated) stale=\(c.stale) rejected=\(c.rejected) dead_letters=\(c.deadLetters)"
            if !c.rejectedByReason.isEmpty {
                s += " (" + c.rejectedByReason.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + ")"
            }
            return s
        }.joined(separator: "; ")
    }

    /// The counters as a JSON object, for the status message.
    public var json: String {
        var w = JSONWriter()
        for (family, c) in byFamily.sorted(by: { $0.key < $1.key }) {
            var f = JSONWriter()
            f.field("accepted", c.accepted)
            f.field("duplicate", c.duplicate)
            f.field("updated", c.updated)
            f.field("stale", c.stale)
            f.field("rejected", c.rejected)
            f.field("dead_letters", c.deadLetters)
            f.field("rejected_by_reason", counts: c.rejectedByReason)
            w.field(family, json: f.finish())
        }
        return w.finish()
    }
}
