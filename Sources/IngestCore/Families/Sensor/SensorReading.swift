/// One numeric reading of one metric of one device at one time. Natural key: (device, metric, ts).
public struct SensorReading: FamilyRecord {
    public var ts: Timestamp
    public var device: String
    public var metric: String
    public var value: Double
    public var unit: String?
    public var quality: String?
    public var seq: Int64?
    public var site: String?
    public var line: String?
    /// When ingestd received the message; a later correction of the same key wins.
    public var receivedAt: Timestamp

    public init(ts: Timestamp, device: String, metric: String, value: Double, unit: String? = nil,
                quality: String? = nil, seq: Int64? = nil, site: String? = nil, line: String? = nil,
                receivedAt: Timestamp) {
        self.ts = ts
        self.device = device
        self.metric = metric
        self.value = value
        self.unit = unit
        self.quality = quality
        self.seq = seq
        self.site = site
        self.line = line
        self.receivedAt = receivedAt
    }

    public static var family: Family { .sensor }

    /// The natural key.
    public var key: SensorKey { SensorKey(device: device, metric: metric, ts: ts) }

    /// What makes a correction: value, unit or quality (the table's ON CONFLICT compares the same).
    public struct Content: Equatable, Sendable {
        var valueBits: UInt64
        var unit: String?
        var quality: String?
    }

    /// -0.0 and 0.0 are one value, as in PostgreSQL.
    public var content: Content { Content(valueBits: value == 0 ? 0 : value.bitPattern, unit: unit, quality: quality) }
    public var order: Timestamp { receivedAt }
    public var deviceTime: Timestamp { ts }
}

/// The natural key of a sensor reading, as the database's unique key has it.
public struct SensorKey: Hashable, Sendable {
    public var device: String
    public var metric: String
    public var ts: Timestamp
}
