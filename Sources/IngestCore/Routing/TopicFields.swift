/// The fields a topic's named levels may fill, without a dictionary: the pipeline's hot path.
/// `identity` is the level that names the device (its name depends on the family: `device`,
/// `battery`, `equipment`, `machine`).
public struct TopicFields: Equatable, Sendable {
    public var identity: String?
    public var metric: String?
    public var site: String?
    public var line: String?
    public var unit: String?

    public init(identity: String? = nil, metric: String? = nil, site: String? = nil, line: String? = nil, unit: String? = nil) {
        self.identity = identity
        self.metric = metric
        self.site = site
        self.line = line
        self.unit = unit
    }

    /// The known fields of a name → value mapping, with `identityName` naming the identity
    /// level; other names are ignored.
    public init(_ fields: [String: String], identityName: String = "device") {
        self.init(identity: fields[identityName], metric: fields["metric"], site: fields["site"], line: fields["line"],
                  unit: fields["unit"])
    }

    /// Which field a captured level fills, if any.
    enum Slot: Sendable {
        case identity, metric, site, line, unit

        init?(name: String, identityName: String) {
            switch name {
            case identityName: self = .identity
            case "metric": self = .metric
            case "site": self = .site
            case "line": self = .line
            case "unit": self = .unit
            default: return nil
            }
        }
    }

    mutating func set(_ slot: Slot, _ value: String) {
        switch slot {
        case .identity: identity = value
        case .metric: metric = value
        case .site: site = value
        case .line: line = value
        case .unit: unit = value
        }
    }
}
