/// The device families ingestd knows. Only sensor readings are ingested so far.
public enum Family: String, Sendable, CaseIterable {
    case sensor

    /// The families a route may name today.
    public static var supportedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// How a route's payloads are written.
public enum PayloadFormat: String, Sendable, CaseIterable {
    /// A JSON object, an array of objects (a batch), or a bare JSON number.
    case json
    /// A bare number as text, e.g. `21.5`: the value only.
    case number
}

/// One configured route: a topic pattern mapped to a family and a payload format.
public struct Route: Sendable, Equatable {
    public var pattern: TopicPattern
    public var family: Family
    public var format: PayloadFormat

    public init(pattern: TopicPattern, family: Family, format: PayloadFormat) {
        self.pattern = pattern
        self.family = family
        self.format = format
    }
}
