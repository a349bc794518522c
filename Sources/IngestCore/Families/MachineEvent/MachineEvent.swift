/// One cycle of a machine. Natural key: (`machine`, `event_id`): an event belongs to the
/// machine whose topic stored it, so a message on another machine's topic that carries the
/// same event_id is another event and never touches this one. Versions of one event are
/// ordered by `received_time` (the gateway's stamp, else ingestd's receipt): a later version
/// with other business fields updates it, an earlier one is stale.
public struct MachineEvent: FamilyRecord {
    public var eventID: String
    public var machine: String
    public var site: String?
    public var line: String?
    public var eventTime: Timestamp
    public var durationMs: Int64
    /// -1 when unknown.
    public var defectCount: Int64
    public var receivedTime: Timestamp
    public var receivedAt: Timestamp

    public init(eventID: String, machine: String, site: String? = nil, line: String? = nil, eventTime: Timestamp,
                durationMs: Int64, defectCount: Int64 = -1, receivedTime: Timestamp, receivedAt: Timestamp) {
        self.eventID = eventID
        self.machine = machine
        self.site = site
        self.line = line
        self.eventTime = eventTime
        self.durationMs = durationMs
        self.defectCount = defectCount
        self.receivedTime = receivedTime
        self.receivedAt = receivedAt
    }

    public static var family: Family { .machineEvent }

    /// The table's primary key (machine, event_id).
    public struct Key: Hashable, Sendable {
        public var machine: String
        public var eventID: String
    }

    public var key: Key { Key(machine: machine, eventID: eventID) }

    /// The business fields (the table's ON CONFLICT compares the same columns).
    public struct Content: Equatable, Sendable {
        var line: String?
        var eventTime: Timestamp
        var durationMs: Int64
        var defectCount: Int64
    }

    public var content: Content {
        Content(line: line, eventTime: eventTime, durationMs: durationMs, defectCount: defectCount)
    }

    public var order: Timestamp { receivedTime }
    public var deviceTime: Timestamp { eventTime }
}
