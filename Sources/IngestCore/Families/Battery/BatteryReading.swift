/// One telemetry record of one battery pack: a wide row. Natural key: (battery, ts).
public struct BatteryReading: FamilyRecord {
    public var ts: Timestamp
    public var battery: String
    public var site: String?
    public var voltage: Double?
    public var current: Double?
    public var temperature: Double?
    /// State of charge, percent.
    public var soc: Double?
    /// State of health, percent.
    public var soh: Double?
    public var cycles: Int64?
    public var seq: Int64?
    /// Parameters a pack adds beyond the known ones, as a JSON object's text (nil when none).
    public var extra: String?
    public var receivedAt: Timestamp

    public init(ts: Timestamp, battery: String, site: String? = nil, voltage: Double? = nil, current: Double? = nil,
                temperature: Double? = nil, soc: Double? = nil, soh: Double? = nil, cycles: Int64? = nil,
                seq: Int64? = nil, extra: String? = nil, receivedAt: Timestamp) {
        self.ts = ts
        self.battery = battery
        self.site = site
        self.voltage = voltage
        self.current = current
        self.temperature = temperature
        self.soc = soc
        self.soh = soh
        self.cycles = cycles
        self.seq = seq
        self.extra = extra
        self.receivedAt = receivedAt
    }

    public static var family: Family { .battery }

    public struct Key: Hashable, Sendable {
        public var battery: String
        public var ts: Timestamp
    }

    public var key: Key { Key(battery: battery, ts: ts) }

    /// Every measured parameter: a change in any of them is a correction (the table's ON
    /// CONFLICT compares the same columns).
    public struct Content: Equatable, Sendable {
        var values: [UInt64?]
        var cycles: Int64?
        var extra: String?
    }

    public var content: Content {
        Content(values: [voltage, current, temperature, soc, soh].map { $0?.bitPattern }, cycles: cycles, extra: extra)
    }

    public var order: Timestamp { receivedAt }
    public var deviceTime: Timestamp { ts }
}
