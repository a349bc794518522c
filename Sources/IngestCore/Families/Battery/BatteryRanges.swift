/// The plausible range of each battery parameter; a value outside is rejected with its reason.
/// Configurable under `families.battery`.
public struct BatteryRanges: Equatable, Sendable {
    public var soc: ClosedRange<Double> = 0...100
    public var soh: ClosedRange<Double> = 0...100
    public var temperature: ClosedRange<Double> = -40...125
    public var voltage: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude

    public init() {}
}
