/// When the excursions of `--excursions` happen, as fractions of the run, and how far the run
/// has come. A `--count` run measures its progress by message index, so it is reproducible
/// for a seed; a `--duration` run by the time since its first message (its planned count,
/// duration times rate, may be out of the publisher's reach). The silence is the one
/// excursion that lasts wall time: it is centred on the run's planned time, `--count` over
/// `--rate` or `--duration`, and the run must plan at least twice its length.
///
/// Which battery, line and sensor devices take part is drawn from a stream of the seed of
/// its own, so that the families' streams do not change with the option.
struct ExcursionSchedule {
    /// How the run's length is planned.
    enum Length {
        /// `--count` messages at `--rate`: progress is the message index over the count.
        case messages(Int, rate: Double)
        /// `--duration` seconds at `--rate`: progress is the time since the first message over
        /// the duration.
        case seconds(Double, rate: Double)
    }

    /// The overheating pack's first excursion reading.
    static let overheatAt = 0.25
    /// The line's equipment go red, then green.
    static let lineRedAt = 0.3
    static let lineGreenAt = 0.7
    /// The drift starts at the drifting metric's next reading from here, once it has had
    /// `SensorPlan.driftWarmUp` readings.
    static let driftAt = 0.6
    /// Random stream of the seed for the choices: past the four families' streams (0...3).
    static let stream: UInt64 = 16

    let length: Length
    let silenceSeconds: Double
    private var rng: SplitMix64
    private var firstMs: Int64?

    init(length: Length, silenceSeconds: Double, seed: UInt64) {
        self.length = length
        self.silenceSeconds = silenceSeconds
        rng = SplitMix64(seed: seed, stream: Self.stream)
    }

    /// The run's planned time in seconds.
    var plannedSeconds: Double {
        switch length {
        case let .messages(count, rate): rate > 0 ? Double(count) / rate : 0
        case let .seconds(seconds, _): seconds
        }
    }

    /// The run's planned messages over all families.
    var plannedMessages: Int {
        switch length {
        case let .messages(count, _): count
        case let .seconds(seconds, rate): Int(seconds * rate)
        }
    }

    /// The planned messages per second over all families.
    var rate: Double {
        switch length {
        case let .messages(_, rate), let .seconds(_, rate): rate
        }
    }

    /// Progress at which the silence starts: its middle is the middle of the planned time.
    var silenceAt: Double { max(0, 0.5 - silenceSeconds / (2 * max(plannedSeconds, silenceSeconds))) }

    /// How far the run has come (0 at its start, 1 at its planned end) when message
    /// `messageIndex` (over all families, from 0) is made at `nowMs`.
    mutating func progress(messageIndex: Int, nowMs: Int64) -> Double {
        switch length {
        case let .messages(count, _):
            return count > 0 ? Double(messageIndex) / Double(count) : 0
        case let .seconds(seconds, _):
            let first = firstMs ?? nowMs
            firstMs = first
            return seconds > 0 ? Double(nowMs - first) / (seconds * 1000) : 0
        }
    }

    /// The sensor excursions for `devices` devices of `metrics` metrics (`devices` > 1): the
    /// silent device and the drifting (device, metric) are different devices.
    mutating func sensor(devices: Int, metrics: Int) -> SensorPlan.Excursions {
        let silent = rng.next(below: devices)
        let drifting = (silent + 1 + rng.next(below: devices - 1)) % devices
        return SensorPlan.Excursions(silentDevice: silent, silenceAt: silenceAt, silenceMs: Int64(silenceSeconds * 1000),
                                     driftDevice: drifting, driftMetric: rng.next(below: metrics), driftAt: Self.driftAt)
    }

    /// The battery excursion for `batteries` packs.
    mutating func battery(batteries: Int) -> BatteryPlan.Overheat {
        BatteryPlan.Overheat(battery: rng.next(below: batteries), at: Self.overheatAt)
    }

    /// The equipment excursion, or nil when no line can go red (see `EquipmentPlan.redLine`).
    mutating func equipment(equipment: Int, tablets: Int, lines: Int) -> EquipmentPlan.LineRed? {
        let pick = rng.next(below: max(1, lines))
        return EquipmentPlan.redLine(equipment: equipment, tablets: tablets, lines: lines, from: pick)
            .map { EquipmentPlan.LineRed(line: $0, redAt: Self.lineRedAt, greenAt: Self.lineGreenAt) }
    }
}
