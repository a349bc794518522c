/// How a route's payloads are written.
public enum PayloadFormat: String, Sendable, CaseIterable {
    /// A JSON object, an array of objects (a batch), or a bare JSON number (sensor only).
    case json
    /// A bare number as text, e.g. `21.5`: the value only (sensor only).
    case number
}

/// One configured route: a topic pattern mapped to a family and a payload format.
public struct Route: Sendable, Equatable {
    public var pattern: TopicPattern
    public var family: Family
    public var format: PayloadFormat
    /// For each captured level of the pattern, the field it fills for this family.
    let slots: [TopicFields.Slot?]

    public init(pattern: TopicPattern, family: Family, format: PayloadFormat) {
        self.pattern = pattern
        self.family = family
        self.format = format
        slots = pattern.slots(identityName: family.identityField)
    }

    public static func == (a: Route, b: Route) -> Bool {
        a.pattern == b.pattern && a.family == b.family && a.format == b.format
    }

    /// Matches a concrete topic and fills the fields this family knows; nil when it does not match.
    public func matchFields(_ topic: String) -> TopicFields? {
        pattern.matchFields(topic, slots: slots)
    }
}
