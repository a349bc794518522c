/// What the alert engine and the aggregator see of one accepted record: a value of a series
/// at a reading time, or an equipment's state. Made by `FamilyRecord.observe(route:into:)`.
public struct Observation: Sendable, Equatable {
    /// The series; for an equipment state, the equipment with metric "".
    public var key: SeriesKey
    /// The reading's own time (sensor and battery ts, an equipment's changed_at).
    public var time: Timestamp
    /// When ingestd received it (journaled, so a replay sees the same).
    public var receivedAt: Timestamp
    /// The index of the route it arrived on.
    public var route: Int
    /// The value; 0 for a state.
    public var value: Double
    /// An equipment's state; nil for a value.
    public var state: String?
    /// An equipment state's source and sequence: ties of `time` are broken by them, as the
    /// current-state table does.
    public var source: String
    public var seq: Int64

    public init(key: SeriesKey, time: Timestamp, receivedAt: Timestamp, route: Int, value: Double = 0, state: String? = nil,
                source: String = "", seq: Int64 = -1) {
        self.key = key
        self.time = time
        self.receivedAt = receivedAt
        self.route = route
        self.value = value
        self.state = state
        self.source = source
        self.seq = seq
    }

    /// The time this observation may move the engine's clock to: its reading time, but never
    /// past its receipt (a device clock running ahead cannot make the others look silent).
    public var clockTime: Timestamp { min(time, receivedAt) }
}
