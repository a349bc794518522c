/// What the windowed aggregates cover: the `aggregates:` section of the config.
public struct AggregateSettings: Sendable, Equatable {
    /// Whether any window is kept at all.
    public var enabled = true
    /// The lengths of the tumbling windows, each aligned to the Unix epoch.
    public var windows: [Duration] = [.seconds(10), .seconds(60)]
    /// How long after a window's end readings may still arrive for it; the window is
    /// published once the watermark reaches its end plus this.
    public var grace: Duration = .seconds(5)
    /// The families whose readings are aggregated (only sensor and battery hold numbers).
    public var families: [Family] = [.sensor, .battery]

    public init(enabled: Bool = true, windows: [Duration] = [.seconds(10), .seconds(60)], grace: Duration = .seconds(5),
                families: [Family] = [.sensor, .battery]) {
        self.enabled = enabled
        self.windows = windows
        self.grace = grace
        self.families = families
    }

    /// The name of a window length in topics and messages: whole hours `1h`, whole minutes
    /// `1m`, `90m`, other whole seconds `10s`, `90s`; below a second (never from the config)
    /// `500ms`, or `250us`.
    public static func label(_ window: Duration) -> String {
        let micros = window.wholeMicroseconds
        guard micros % 1_000_000 == 0 else {
            return micros % 1_000 == 0 ? "\(micros / 1_000)ms" : "\(micros)us"
        }
        let seconds = micros / 1_000_000
        if seconds > 0 && seconds % 3_600 == 0 { return "\(seconds / 3_600)h" }
        if seconds > 0 && seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
