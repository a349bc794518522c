/// The plausible range of each battery parameter; a value outside is rejected with its reason.
/// Configurable under `families.battery`, never past `StorageBound.range` (the rollups
/// aggregate every parameter).
public struct BatteryRanges: Equatable, Sendable {
    public var soc: ClosedRange<Double> = 0...100
    public var soh: ClosedRange<Double> = 0...100
    public var temperature: ClosedRange<Double> = -40...125
    /// Volts: up to 1 MV, past any pack.
    public var voltage: ClosedRange<Double> = 0...1_000_000
    /// Amperes, negative while charging: up to 1 MA either way.
    public var current: ClosedRange<Double> = -1_000_000...1_000_000

    public init() {}
}
