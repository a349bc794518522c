/// One numeric series that aggregates and alerts follow: a metric of a device. For a sensor
/// reading, the device and metric of the reading; for a battery reading, the battery id as
/// the device and the parameter name (`voltage`, `current`, `temperature`, `soc`, `soh`) as
/// the metric. An equipment's state, watched by the alert engine, is the equipment with
/// metric "" (the key of what concerns a whole device).
public struct SeriesKey: Hashable, Sendable {
    public var family: Family
    public var site: String?
    public var device: String
    public var metric: String

    public init(family: Family, site: String?, device: String, metric: String) {
        self.family = family
        self.site = site
        self.device = device
        self.metric = metric
    }
}
