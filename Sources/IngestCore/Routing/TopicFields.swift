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

    /// The name of the first field filled from a topic level that holds U+FFFD, or nil.
    /// Ingress decodes a topic's bytes with U+FFFD in place of any that are not UTF-8 (MQTT
    /// requires UTF-8 topics, so a broker that checks never lets one through): a level that
    /// holds one cannot be told from another that differed only in those bytes, so it must
    /// not name a device. `identityName` names the identity (`device`, `battery`, …).
    public func replacedField(identityName: String) -> String? {
        // On every message's path: no array of the fields, no scalar walk unless 0xEF is there.
        func replaced(_ value: String?) -> Bool {
            guard let value, value.utf8.contains(0xEF) else { return false }
            return value.unicodeScalars.contains("\u{FFFD}")
        }
        if replaced(identity) { return identityName }
        if replaced(metric) { return "metric" }
        if replaced(site) { return "site" }
        if replaced(line) { return "line" }
        if replaced(unit) { return "unit" }
        return nil
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
