/// Bounds on what a message may be. Defaults are the documented ones in config/ingestd.yaml.
public struct Limits: Equatable, Sendable {
    public var maxPayloadBytes = 65_536
    public var maxBatchLength = 1_000
    public var maxStringLength = 256
    public var maxJSONDepth = 8
    /// A timestamp further ahead than this is rejected (device clocks drift; 15 min).
    public var maxFutureSeconds: Int64 = 900
    /// A timestamp older than this is rejected (7 days).
    public var maxAgeSeconds: Int64 = 604_800
    /// How much of a rejected payload the dead letter keeps.
    public var deadLetterPayloadBytes = 4_096

    public init() {}
}
