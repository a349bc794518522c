/// One cycle of a machine. Natural key: `event_id`. Versions of one event are ordered by
/// `received_time` (the gateway's stamp, else ingestd's receipt): a later version with other
/// business fields updates it, an earlier one is stale.
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

    public var key: String { eventID }

    /// The business fields (the table's ON CONFLICT compares the same columns).
    public struct Content: Equatable, Sendable {
        var machine: String
        var line: String?
        var eventTime: Timestamp
        var durationMs: Int64
        var defectCount: Int64
    }

    public var content: Content {
        Content(machine: machine, line: line, eventTime: eventTime, durationMs: durationMs, defectCount: defectCount)
    }

    public var order: Timestamp { receivedTime }
    public var deviceTime: Timestamp { eventTime }
}
