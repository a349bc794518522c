/// What one database transaction writes: readings and dead letters.
public struct Batch: Equatable, Sendable {
    public var readings: [SensorReading] = []
    public var deadLetters: [DeadLetter] = []
    /// True when a correction was added: the same key may then stand twice, and the writer
    /// keeps the last one (a single INSERT … ON CONFLICT may not touch a row twice).
    public var mayRepeatKeys = false

    public init(readings: [SensorReading] = [], deadLetters: [DeadLetter] = [], mayRepeatKeys: Bool = false) {
        self.readings = readings
        self.deadLetters = deadLetters
        self.mayRepeatKeys = mayRepeatKeys
    }

    public var isEmpty: Bool { readings.isEmpty && deadLetters.isEmpty }
    public var count: Int { readings.count + deadLetters.count }

    /// The readings with each key once, the last received winning, in first-seen order.
    public var readingsWithUniqueKeys: [SensorReading] {
        guard mayRepeatKeys else { return readings }
        var position: [SensorKey: Int] = [:]
        var out: [SensorReading] = []
        out.reserveCapacity(readings.count)
        for r in readings {
            if let i = position[r.key] {
                out[i] = r
            } else {
                position[r.key] = out.count
                out.append(r)
            }
        }
        return out
    }
}
