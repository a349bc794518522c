/// `analytics:` — how many series the alert engine and the window aggregator follow, per
/// device and in all. Readings past a bound are still validated, deduplicated and stored;
/// they only go without alerts and windows (counted, see `SeriesBudget`).
///
/// The defaults fit a factory of thousands of devices with tens of metrics each, and keep a
/// device that invents metrics, sites or lines (its topic levels) from growing memory or the
/// window summaries published without bound.
public struct SeriesBounds: Sendable, Equatable {
    /// Series of one device name (the device level its route captures: sensor device,
    /// battery, equipment), over every site and line its topics name.
    public var maxSeriesPerDevice = 1_000
    /// Series of every device together.
    public var maxSeries = 200_000

    public init(maxSeriesPerDevice: Int = 1_000, maxSeries: Int = 200_000) {
        self.maxSeriesPerDevice = maxSeriesPerDevice
        self.maxSeries = maxSeries
    }
}
