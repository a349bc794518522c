/// Which series the analytics (alert engine, window aggregator) follow: the first ones seen,
/// up to `SeriesBounds.maxSeriesPerDevice` per device name and `maxSeries` in all. A series
/// over a bound is refused — its readings are stored but never alerted on or windowed — and
/// every reading refused is counted, by the bound it hit.
///
/// Per device means per device *name* of a family (the topic level the route captures and
/// the broker ACL ties to one account, `plant/+/+/sensor/%u/+`), whatever site and line the
/// topic names: a device that invents sites or lines is held to its own bound, and the total
/// bound covers whatever else multiplies series (many device names). The same name on two
/// sites shares one budget, which the default leaves ample room for.
///
/// A series once admitted stays admitted for the whole run (a reload keeps them): the alert
/// engine keeps state for a series exactly while it is quiet (a stale rule watches a device
/// that stopped; hysteresis and open alerts outlive a pause), so freeing idle series would
/// forget what the rules are for, and a device rotating its names could push out the series
/// of others. A restart starts afresh, admitting first what the database says was open or
/// last seen (`Analytics.restore`).
///
/// - Important: a value type and not thread-safe: one owner (the pipeline thread).
public struct SeriesBudget: Sendable {
    /// The bound a refused series hit.
    public enum Bound: String, Sendable, CaseIterable {
        case perDevice = "per_device"
        case total
    }

    public private(set) var bounds: SeriesBounds
    private var tracked: Set<SeriesKey> = []
    /// How many series each device name has admitted.
    private var perDevice: [DeviceName: Int] = [:]
    /// Readings refused, by the bound their series hit.
    public private(set) var refusedPerDevice = 0
    public private(set) var refusedTotal = 0
    /// The latest series refused, to name one in the log.
    public private(set) var lastRefused: (key: SeriesKey, bound: Bound)?

    struct DeviceName: Hashable, Sendable {
        let family: Family
        let device: String
    }

    public init(bounds: SeriesBounds = SeriesBounds()) {
        self.bounds = bounds
    }

    /// How many series are followed.
    public var count: Int { tracked.count }

    /// Readings refused by either bound.
    public var refused: Int { refusedPerDevice + refusedTotal }

    public func refused(by bound: Bound) -> Int {
        switch bound {
        case .perDevice: refusedPerDevice
        case .total: refusedTotal
        }
    }

    /// Whether a reading of `key` goes to the analytics: true for a series already followed,
    /// or a new one within both bounds (it is followed from now on); false, counted, otherwise.
    public mutating func admit(_ key: SeriesKey) -> Bool {
        if tracked.contains(key) { return true }
        let name = DeviceName(family: key.family, device: key.device)
        let mine = perDevice[name] ?? 0
        if mine >= bounds.maxSeriesPerDevice {
            refusedPerDevice += 1
            lastRefused = (key, .perDevice)
            return false
        }
        if tracked.count >= bounds.maxSeries {
            refusedTotal += 1
            lastRefused = (key, .total)
            return false
        }
        tracked.insert(key)
        perDevice[name] = mine + 1
        return true
    }

    /// Follows `key` whatever the bounds: a series with an open alert from before a restart
    /// or reload, which must stay clearable. It counts toward the bounds from then on.
    public mutating func reserve(_ key: SeriesKey) {
        guard tracked.insert(key).inserted else { return }
        perDevice[DeviceName(family: key.family, device: key.device), default: 0] += 1
    }

    /// The same series under other bounds (a reload): those followed stay followed, the new
    /// bounds decide about new ones; the refusal counts go on.
    public func rebounded(_ bounds: SeriesBounds) -> SeriesBudget {
        var copy = self
        copy.bounds = bounds
        return copy
    }
}
