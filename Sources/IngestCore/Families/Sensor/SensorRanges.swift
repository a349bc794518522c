/// The plausible range of a sensor reading's value; a value outside is rejected with its
/// reason (`out_of_range`, field `value`). Configurable under `families.sensor`, never past
/// `StorageBound.range`.
public struct SensorRanges: Equatable, Sendable {
    /// ±1e15: past any physical reading and every counter a device keeps, and the span in
    /// which a double still counts in whole units.
    public var value: ClosedRange<Double> = -1e15...1e15

    public init() {}
}
