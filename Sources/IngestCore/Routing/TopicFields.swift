/// The fields a topic's named levels may fill, without a dictionary: the pipeline's hot path.
public struct TopicFields: Equatable, Sendable {
    public var device: String?
    public var metric: String?
    public var site: String?
    public var line: String?
    public var unit: String?

    public init(device: String? = nil, metric: String? = nil, site: String? = nil, line: String? = nil, unit: String? = nil) {
        self.device = device
        self.metric = metric
        self.site = site
        self.line = line
        self.unit = unit
    }

    /// The known fields of a name → value mapping; other names are ignored.
    public init(_ fields: [String: String]) {
        self.init(device: fields["device"], metric: fields["metric"], site: fields["site"], line: fields["line"], unit: fields["unit"])
    }

    /// Which field a captured level named `name` fills, if any.
    enum Slot: Sendable {
        case device, metric, site, line, unit

        init?(name: String) {
            switch name {
            case "device": self = .device
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
        case .device: device = value
        case .metric: metric = value
        case .site: site = value
        case .line: line = value
        case .unit: unit = value
        }
    }
}
