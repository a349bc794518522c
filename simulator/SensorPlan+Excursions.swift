/// The sensor excursions of `--excursions`.
///
/// - A silence: from `silenceAt`, the silent device publishes nothing, no metric, no
///   malformed message, for `silenceMs` of wall time while the others go on (its turns go to
///   the next devices), then comes back: ingestd's `offline` rule must raise once and clear
///   once when its staleness is shorter than the silence.
/// - A drift: from `driftAt`, once the drifting (device, metric) has sent `driftWarmUp`
///   readings, its next `driftReadings` readings are about 400 (390 to 410), far past the
///   4 standard deviations of values uniform from 0 to 100, then it goes back to normal. The
///   `value_anomaly` rule (4 deviations to raise, 3 to clear, over a 5-minute window) raises
///   with the first drifting reading; as the drift fills the window its mean and deviation
///   follow, so later drifting readings only come closer to the mean and cannot raise again;
///   it clears when a drifting reading falls under 3 deviations, or at the latest with the
///   first normal reading after, and the normal readings that follow stay within 2 deviations
///   of a window the drift has widened. Drifting messages are never malformed.
///
/// Neither device is ever the source of a repeat, so no reading of theirs arrives twice or late.
extension SensorPlan {
    /// Which devices take part, and when (progress of the run, 0...1).
    struct Excursions {
        var silentDevice: Int
        var silenceAt: Double
        var silenceMs: Int64
        var driftDevice: Int
        var driftMetric: Int
        var driftAt: Double
    }

    /// Where the silence stands.
    struct Silence {
        enum Phase: Equatable { case pending, silent(untilMs: Int64), returning, done }
        var phase = Phase.pending
        /// The `ts` of the device's last reading before the silence, and of its first after.
        var from: Int64?
        var to: Int64?
    }

    /// Where the drift stands.
    struct Drift {
        enum Phase: Equatable { case pending, drifting(left: Int), after, done }
        var phase = Phase.pending
        /// Readings of the drifting (device, metric) before the drift.
        var warmUp = 0
        /// The `ts` of the first and last drifting readings.
        var from: Int64?
        var to: Int64?
    }

    /// Readings the drifting metric sends before it drifts: more than the rule's 30.
    static let driftWarmUp = 40
    /// Drifting readings (whole messages: with `--batch`, a few more).
    static let driftReadings = 12

    /// A drifting value from a uniform draw: 390 to 410, one decimal.
    static func driftValue(_ draw: Double) -> Double { ((390 + draw * 20) * 10).rounded() / 10 }

    /// The manifest entries of the sensor excursions; none without `--excursions`.
    var excursionReports: [Excursion] {
        guard let e = excursions else { return [] }
        let silenced = silence.phase == .returning || silence.phase == .done
        return [
            Excursion(kind: .silence, family: Family.sensor.manifestKey, site: site, device: "dev\(e.silentDevice)", metric: nil,
                      rule: "offline", raises: silenced ? 1 : 0, clears: silence.to == nil ? 0 : 1, from: silence.from, to: silence.to),
            Excursion(kind: .drift, family: Family.sensor.manifestKey, site: site, device: "dev\(e.driftDevice)",
                      metric: "m\(e.driftMetric)", rule: "value_anomaly", raises: drift.from == nil ? 0 : 1,
                      clears: drift.phase == .done ? 1 : 0, from: drift.from, to: drift.to),
        ]
    }

    /// Whether `device` is silent now.
    func isSilent(device: Int) -> Bool {
        guard let e = excursions, device == e.silentDevice, case .silent = silence.phase else { return false }
        return true
    }

    /// Starts the silence when the run reaches it, and ends it when its time is up.
    mutating func advanceSilence(nowMs: Int64, progress: Double) {
        guard let e = excursions else { return }
        switch silence.phase {
        case .pending where progress >= e.silenceAt:
            let slots = (0..<metrics).map { $0 * devices + e.silentDevice }
            let last = slots.map { lastTs[$0] }.max() ?? 0
            silence.from = last > 0 ? last : nowMs
            silence.phase = .silent(untilMs: nowMs + e.silenceMs)
        case let .silent(until) where nowMs >= until:
            silence.phase = .returning
        default:
            break
        }
    }

    /// Whether this turn of `slot` drifts; starts the drift when it is due.
    mutating func isDriftTurn(slot: Int, progress: Double) -> Bool {
        guard let e = excursions, slot == e.driftMetric * devices + e.driftDevice else { return false }
        switch drift.phase {
        case .drifting: return true
        case .pending where progress >= e.driftAt && drift.warmUp >= Self.driftWarmUp:
            drift.phase = .drifting(left: Self.driftReadings)
            return true
        default: return false
        }
    }

    /// Follows the excursions after a valid message of `slot`, its readings stamped `firstTs` to `lastTs`.
    mutating func readingSent(slot: Int, drifting: Bool, firstTs: Int64, lastTs: Int64) {
        guard let e = excursions else { return }
        if slot % devices == e.silentDevice, silence.phase == .returning {
            silence.to = firstTs
            silence.phase = .done
        }
        guard slot == e.driftMetric * devices + e.driftDevice else { return }
        switch drift.phase {
        case let .drifting(left) where drifting:
            drift.from = drift.from ?? firstTs
            drift.to = lastTs
            drift.phase = left - batch > 0 ? .drifting(left: left - batch) : .after
        case .pending:
            drift.warmUp += batch
        case .after:
            drift.phase = .done
        default:
            break
        }
    }
}
