/// One change of an equipment's magnet colour, set by a worker on a tablet (the source), at
/// the tablet's clock. Natural key: (site, line, equipment, changed_at, source). Every change is history;
/// the current state of each piece of equipment — (site, line, equipment), `identity` — is
/// the change that `supersedes` all others.
public struct EquipmentStateChange: FamilyRecord {
    public var equipment: String
    public var changedAt: Timestamp
    public var source: String
    public var state: String
    public var worker: String?
    public var seq: Int64?
    public var site: String?
    public var line: String?
    public var receivedAt: Timestamp

    public init(equipment: String, changedAt: Timestamp, source: String, state: String, worker: String? = nil,
                seq: Int64? = nil, site: String? = nil, line: String? = nil, receivedAt: Timestamp) {
        self.equipment = equipment
        self.changedAt = changedAt
        self.source = source
        self.state = state
        self.worker = worker
        self.seq = seq
        self.site = site
        self.line = line
        self.receivedAt = receivedAt
    }

    public static var family: Family { .equipmentState }

    /// (site, line, equipment, changed_at, source): a change of `press1` of another site or
    /// line is never a version of this one. The levels are kept as stored — a level the
    /// route does not capture is nil, another value than "" — as the history's unique key
    /// holds them (`UNIQUE NULLS NOT DISTINCT`, migration 16): the window and
    /// `Rows.recordsWithUniqueKeys` then merge exactly the changes that one row holds.
    public struct Key: Hashable, Sendable {
        public var site: String?
        public var line: String?
        public var equipment: String
        public var changedAt: Timestamp
        public var source: String
    }

    public var key: Key { Key(site: site, line: line, equipment: equipment, changedAt: changedAt, source: source) }

    public struct Content: Equatable, Sendable {
        var state: String
        var worker: String?
        var seq: Int64?
    }

    public var content: Content { Content(state: state, worker: worker, seq: seq) }
    public var order: Timestamp { receivedAt }
    public var deviceTime: Timestamp { changedAt }

    /// Last writer wins on `changed_at`; ties are broken by (source, seq), a missing seq
    /// counting as -1. The SQL upsert of `equipment_state_current` compares the same tuple.
    public func supersedes(_ other: EquipmentStateChange) -> Bool {
        (changedAt, source, seq ?? -1) > (other.changedAt, other.source, other.seq ?? -1)
    }

    /// One piece of equipment: the identity levels its route captures, (site, line,
    /// equipment), a level absent as "" — the key of `equipment_state_current`
    /// (`coalesce(site, '')`, `coalesce(line, '')`, equipment). `press1` of two sites is two.
    public struct Identity: Hashable, Sendable {
        public var site: String
        public var line: String
        public var equipment: String

        public init(site: String?, line: String?, equipment: String) {
            self.site = site ?? ""
            self.line = line ?? ""
            self.equipment = equipment
        }
    }

    public var identity: Identity { Identity(site: site, line: line, equipment: equipment) }

    /// Of several changes, the newest per equipment (`identity`), in first-seen order. On a
    /// tie (the same change again, corrected) the later one wins, as in the history table.
    public static func newestPerEquipment(_ changes: [EquipmentStateChange]) -> [EquipmentStateChange] {
        var position: [Identity: Int] = [:]
        var out: [EquipmentStateChange] = []
        for c in changes {
            if let i = position[c.identity] {
                if !out[i].supersedes(c) { out[i] = c }
            } else {
                position[c.identity] = out.count
                out.append(c)
            }
        }
        return out
    }
}
