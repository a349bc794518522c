/// One series of values: a device's metric (a battery's parameter), within its family and site.
public struct SeriesKey: Hashable, Sendable {
    public var family: Family
    public var site: String?
    public var device: String
    /// The sensor metric or battery parameter; "" for what concerns a whole device.
    public var metric: String

    public init(family: Family, site: String?, device: String, metric: String) {
        self.family = family
        self.site = site
        self.device = device
        self.metric = metric
    }
}
