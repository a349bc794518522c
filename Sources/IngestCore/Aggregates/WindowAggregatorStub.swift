// TEMPORARY stand-in until the aggregator branch lands; same interface.
public struct AggregateSettings: Sendable, Equatable {
    public var enabled = true
    public var windows: [Duration] = [.seconds(10), .seconds(60)]
    public var grace: Duration = .seconds(5)
    public var families: Set<Family> = [.sensor, .battery]
    public init() {}
}

public struct WindowSummary: Sendable, Equatable {
    public var key: SeriesKey
    public var count = 0
}

public struct WindowAggregator: Sendable {
    public init(settings: AggregateSettings) {}
    public private(set) var late = 0
    public var openWindows: Int { 0 }
    public mutating func add(_ key: SeriesKey, ts: Timestamp, value: Double) -> Bool { true }
    public mutating func advance(to watermark: Timestamp, into out: inout [WindowSummary]) {}
}

extension OutboundTopics {
    public func aggregate(_ summary: WindowSummary) -> OutboundMessage { OutboundMessage(topic: prefix + "agg", payload: "{}") }
}
extension AggregateSettings {
    public static var off: AggregateSettings { var s = AggregateSettings(); s.enabled = false; return s }
}
extension ConfigLoader {
    func aggregates(_ node: ConfigNode) throws(ConfigError) -> AggregateSettings { AggregateSettings() }
}
