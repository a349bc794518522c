/// Plays battery packs: topic `PREFIX/SITE/battery/bat{i}/telemetry`, payload
/// `{"ts":<ms>,"voltage":V,"current":A,"temperature":C,"soc":%,"soh":%,"cycles":n,"seq":n}`,
/// about one in ten with an extra parameter (`"cell_delta_mv":n`, kept by ingestd in `extra`).
///
/// Batteries take turns. Each charges and discharges: the current's sign flips near full
/// (95 %) and at 20 % (and now and then at random), the state of charge follows the current,
/// the temperature follows its magnitude, the state of health slowly falls and the cycle
/// count rises with each new charge. The normal play stays inside the alert rules' limits:
/// the temperature from 20 to 46 °C, the state of charge above 17 %, the state of health
/// at 75 % or more. `ts` strictly increases per battery, so every new valid
/// record is a row of its own; about 1 % of valid messages are corrections instead: an
/// earlier record again (same battery and ts) with another voltage, which changes that row.
/// Deterministic for a seed.
///
/// With excursions (`BatteryPlan+Overheat.swift`), one pack overheats; it is never the
/// source of a repeat or a correction.
struct BatteryPlan {
    /// What the database must hold of this family: the manifest's `families.battery`.
    struct Report: Codable {
        var messages: Int
        /// Distinct (battery, ts) among valid records.
        var rows: Int
        var duplicates: Int
        /// Valid messages that change an earlier row's voltage instead of adding a row.
        var corrections: Int
        var deadLetters: Int
        var malformedByKind: [String: Int]
    }

    /// One battery's simulated condition.
    private struct Pack {
        var soc: Double
        var soh: Double
        var cycles: Int
        var charging: Bool
        var lastTs: Int64 = 0
        var seq = 0
    }

    /// One telemetry record as sent. `number` identifies an original record; its correction
    /// carries the same number.
    private struct Record {
        var battery: Int
        var number: Int
        var ts: Int64
        var voltage: Double
        var current: Double
        var temperature: Double
        var soc: Double
        var soh: Double
        var cycles: Int
        var seq: Int
        var cellDeltaMv: Int?
        var isCorrection = false
    }

    static let malformedKinds = ["soc_out_of_range", "temperature_out_of_range", "bad_json", "wrong_type", "identity_mismatch"]
    static let correctionFraction = 0.01
    static let extraFraction = 0.1
    /// The state of charge at which a discharging pack starts charging.
    static let lowestSoc = 20.0
    /// The state of health does not fall under this.
    static let lowestSoh = 75.0

    let batteries: Int
    let topicPrefix: String
    let site: String
    let duplicates: Double
    let malformed: Double
    private var rng: SplitMix64
    private var packs: [Pack] = []
    /// Valid records recently sent: what duplicates repeat and corrections correct.
    private var recent = RecentRing<Record>()
    /// Numbers of the records corrected so far: an exact repeat of their first version would
    /// now be a correction back, so it is never sent, and a record is corrected once only.
    private var corrected = Set<Int>()
    private var turn = 0
    private var records = 0
    /// The overheating pack and when; nil without `--excursions`.
    let overheat: Overheat?
    /// Where the overheat stands (`BatteryPlan+Overheat.swift`).
    var heat = Heat()

    private(set) var validMessages = 0
    private(set) var duplicateMessages = 0
    private(set) var correctionMessages = 0
    private(set) var malformedMessages = 0
    private(set) var malformedByKind: [String: Int] = [:]

    init(batteries: Int, topicPrefix: String, site: String, duplicates: Double, malformed: Double, seed: UInt64,
         overheat: Overheat? = nil) {
        self.batteries = batteries
        self.topicPrefix = topicPrefix
        self.site = site
        self.duplicates = duplicates
        self.malformed = malformed
        self.overheat = overheat
        rng = SplitMix64(seed: seed, stream: Family.battery.stream)
        for _ in 0..<batteries {
            packs.append(Pack(soc: rng.next(in: 20.0...90.0, decimals: 1), soh: rng.next(in: 85.0...100.0), cycles: rng.next(in: 0...800),
                              charging: rng.nextDouble() < 0.5))
        }
    }

    /// The figures so far, for the manifest.
    var report: Report {
        Report(messages: validMessages + duplicateMessages + malformedMessages, rows: validMessages - correctionMessages,
               duplicates: duplicateMessages, corrections: correctionMessages, deadLetters: malformedMessages,
               malformedByKind: malformedByKind)
    }

    /// The next message to publish; `nowMs` is the wall clock in epoch milliseconds and
    /// `progress` how far the run has come (0...1, see `ExcursionSchedule`).
    mutating func next(nowMs: Int64, progress: Double = 0) -> PublishPlan.Message {
        let roll = rng.nextDouble()
        // Repeats and corrections leave the overheating pack alone.
        let hot = overheat?.battery, correctedSoFar = corrected
        if roll < duplicates,
           let index = recent.randomIndex(using: &rng, where: { Self.isCurrent($0, corrected: correctedSoFar) && $0.battery != hot }) {
            duplicateMessages += 1
            return message(recent[index])
        }
        let battery = turn % batteries
        turn += 1
        let heating = isHeatTurn(battery: battery, progress: progress)
        if roll < duplicates + malformed && !heating {
            let kind = Self.malformedKinds[rng.next(below: Self.malformedKinds.count)]
            malformedMessages += 1
            malformedByKind[kind, default: 0] += 1
            return PublishPlan.Message(topic: topic(battery), payload: malformedPayload(kind, battery: battery, nowMs: nowMs))
        }
        validMessages += 1
        if !heating, rng.nextDouble() < Self.correctionFraction,
           let index = recent.randomIndex(using: &rng, where: { !$0.isCorrection && !correctedSoFar.contains($0.number) && $0.battery != hot }) {
            var record = recent[index]
            corrected.insert(record.number)
            // At least 0.1 V away, so that the rounded voltage differs.
            let shift = rng.next(in: 0.1...0.6)
            record.voltage = SplitMix64.rounded(record.voltage + (rng.nextDouble() < 0.5 ? -shift : shift), decimals: 2)
            record.isCorrection = true
            correctionMessages += 1
            recent.append(record)
            return message(record)
        }
        var record = step(battery, nowMs: nowMs)
        if heating { record.temperature = heatSent(ts: record.ts) }
        recent.append(record)
        return message(record)
    }

    /// Whether repeating `record` exactly is a duplicate: it is its row's last version.
    private static func isCurrent(_ record: Record, corrected: Set<Int>) -> Bool {
        record.isCorrection || !corrected.contains(record.number)
    }

    /// Advances one battery by one reading and returns the record it sends.
    private mutating func step(_ battery: Int, nowMs: Int64) -> Record {
        var pack = packs[battery]
        // A step moves the charge by 1.2 at most: a discharging pack under 20 % (after at most
        // one random flip more) charges again before it reaches 17 %.
        if pack.charging && pack.soc >= 95 || !pack.charging && pack.soc <= Self.lowestSoc || rng.nextDouble() < 0.02 {
            pack.charging.toggle()
            if pack.charging {
                pack.cycles += 1
                pack.soh = max(Self.lowestSoh, pack.soh - 0.01)
            }
        }
        // Amperes, positive while charging.
        let magnitude = rng.next(in: 5.0...60.0, decimals: 1)
        let current = pack.charging ? magnitude : -magnitude
        pack.soc = min(100, max(0, SplitMix64.rounded(pack.soc + current * 0.02, decimals: 1)))
        pack.soh = max(Self.lowestSoh, pack.soh - 0.0005)
        let temperature = SplitMix64.rounded(20 + 0.4 * magnitude + rng.next(in: -2.0...2.0), decimals: 1)
        // A 14-cell pack: about 3.0 to 4.2 V a cell, with the internal resistance's drop or rise.
        let voltage = SplitMix64.rounded(42 + 16.8 * pack.soc / 100 + current * 0.01, decimals: 2)
        pack.lastTs = max(nowMs, pack.lastTs + 1)
        pack.seq += 1
        records += 1
        let cellDelta = rng.nextDouble() < Self.extraFraction ? rng.next(in: 5...40) : nil
        packs[battery] = pack
        return Record(battery: battery, number: records, ts: pack.lastTs, voltage: voltage, current: current,
                      temperature: temperature, soc: pack.soc, soh: SplitMix64.rounded(pack.soh, decimals: 2),
                      cycles: pack.cycles, seq: pack.seq, cellDeltaMv: cellDelta)
    }

    private func topic(_ battery: Int) -> String { "\(topicPrefix)/\(site)/battery/bat\(battery)/telemetry" }

    private func message(_ r: Record) -> PublishPlan.Message {
        var payload = "{\"ts\":\(r.ts),\"voltage\":\(r.voltage),\"current\":\(r.current),\"temperature\":\(r.temperature),"
            + "\"soc\":\(r.soc),\"soh\":\(r.soh),\"cycles\":\(r.cycles),\"seq\":\(r.seq)"
        if let delta = r.cellDeltaMv { payload += ",\"cell_delta_mv\":\(delta)" }
        payload += "}"
        return PublishPlan.Message(topic: topic(r.battery), payload: payload)
    }

    /// A payload ingestd must reject: each one is one dead letter. It takes the battery's
    /// next timestamp, so that were it accepted by mistake, it would add a row.
    private mutating func malformedPayload(_ kind: String, battery: Int, nowMs: Int64) -> String {
        packs[battery].lastTs = max(nowMs, packs[battery].lastTs + 1)
        let ts = packs[battery].lastTs
        let seq = packs[battery].seq
        let valid = "\"ts\":\(ts),\"current\":-12.5,\"soh\":97.5,\"cycles\":12,\"seq\":\(seq)"
        return switch kind {
        case "soc_out_of_range": "{\(valid),\"voltage\":51.2,\"temperature\":25.0,\"soc\":150}"
        case "temperature_out_of_range": "{\(valid),\"voltage\":51.2,\"temperature\":300,\"soc\":50.0}"
        case "bad_json": "{\(valid),\"voltage\":51.2,\"temperature\":"
        case "wrong_type": "{\(valid),\"voltage\":\"high\",\"temperature\":25.0,\"soc\":50.0}"
        default: "{\(valid),\"battery\":\"bat999999\",\"voltage\":51.2,\"temperature\":25.0,\"soc\":50.0}"
        }
    }
}
