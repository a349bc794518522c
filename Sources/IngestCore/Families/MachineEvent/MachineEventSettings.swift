/// Bounds on machine events. Configurable under `families.machine_event`.
public struct MachineEventSettings: Equatable, Sendable {
    /// A cycle longer than this is rejected (6 h).
    public var maxDurationMs: Int64 = 6 * 3_600_000
    /// An event_time further ahead than this is rejected (15 min).
    public var maxFutureSeconds: Int64 = 900

    public init() {}
}
