/// One numeric series that aggregates and alerts follow: a metric of a device. For a sensor
/// reading, the device and metric of the reading; for a battery reading, the battery id as
/// the device and the parameter name (`voltage`, `current`, `temperature`, `soc`, `soh`) as
/// the metric. An equipment's state, watched by the alert engine, is the equipment with
/// metric "" (the key of what concerns a whole device).
///
/// Its hash is computed once, when it is made: every reading's key is looked up in the
/// alert engine and in each window length of the aggregator, and hashing its three strings
/// each time was most of what those lookups cost.
public struct SeriesKey: Hashable, Sendable {
    public let family: Family
    public let site: String?
    /// The line, for an equipment's state (site, line and equipment name one piece of
    /// equipment); nil for the series of the other families.
    public let line: String?
    public let device: String
    public let metric: String
    private let digest: Int

    public init(family: Family, site: String?, line: String? = nil, device: String, metric: String) {
        self.family = family
        self.site = site
        self.line = line
        self.device = device
        self.metric = metric
        var hasher = Hasher()
        hasher.combine(family)
        hasher.combine(site)
        hasher.combine(line)
        hasher.combine(device)
        hasher.combine(metric)
        digest = hasher.finalize()
    }

    public static func == (a: SeriesKey, b: SeriesKey) -> Bool {
        a.digest == b.digest && a.device == b.device && a.metric == b.metric && a.site == b.site && a.line == b.line
            && a.family == b.family
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(digest) }
}
