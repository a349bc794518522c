/// Plays sensor devices: topic `PREFIX/SITE/line{k}/sensor/dev{i}/m{j}`, payload
/// `{"ts":<epoch ms>,"value":..,"unit":"C","seq":n}` (or an array of `batch` of them).
/// Decides what each next message is: a new valid one, an exact repeat of a recent one, or a
/// malformed one of some kind. Values are uniform from 0 to 100. Deterministic for a seed:
/// the stream is the one the simulator played before it knew other families.
///
/// With excursions (`SensorPlan+Excursions.swift`), one device falls silent and another's
/// metric drifts; neither device is ever the source of a repeat.
struct SensorPlan {
    /// What the database must hold of this family: the manifest's `families.sensor`.
    struct Report: Codable {
        var messages: Int
        /// Unique readings: valid messages times readings per message.
        var rows: Int
        var duplicates: Int
        var deadLetters: Int
        var malformedByKind: [String: Int]
    }

    static let malformedKinds = ["bad_json", "wrong_type", "missing_value", "future_ts", "not_finite", "string_too_long"]

    let devices: Int
    let metrics: Int
    let batch: Int
    let topicPrefix: String
    let site: String
    let lines: Int
    let duplicates: Double
    let malformed: Double
    private var rng: SplitMix64
    private(set) var lastTs: [Int64]
    /// Valid messages recently sent, with their device: what duplicates repeat.
    private var recent = RecentRing<(device: Int, message: PublishPlan.Message)>()
    private var sequence = 0
    /// The excursions to play, and where they stand; nil without `--excursions`.
    let excursions: Excursions?
    /// Where the silence and the drift stand (`SensorPlan+Excursions.swift`).
    var silence = Silence()
    var drift = Drift()

    private(set) var validMessages = 0
    private(set) var duplicateMessages = 0
    private(set) var malformedMessages = 0
    private(set) var malformedByKind: [String: Int] = [:]

    init(devices: Int, metrics: Int, batch: Int, topicPrefix: String, site: String, lines: Int,
         duplicates: Double, malformed: Double, seed: UInt64, excursions: Excursions? = nil) {
        self.devices = devices
        self.metrics = metrics
        self.batch = batch
        self.topicPrefix = topicPrefix
        self.site = site
        self.lines = max(1, lines)
        self.duplicates = duplicates
        self.malformed = malformed
        rng = SplitMix64(seed: seed)
        lastTs = Array(repeating: 0, count: devices * metrics)
        self.excursions = excursions
    }

    /// The figures so far, for the manifest.
    var report: Report {
        Report(messages: validMessages + duplicateMessages + malformedMessages, rows: validMessages * batch,
               duplicates: duplicateMessages, deadLetters: malformedMessages, malformedByKind: malformedByKind)
    }

    /// The next message to publish; `nowMs` is the wall clock in epoch milliseconds and
    /// `progress` how far the run has come (0...1, see `ExcursionSchedule`).
    mutating func next(nowMs: Int64, progress: Double = 0) -> PublishPlan.Message {
        let roll = rng.nextDouble()
        let excluded = [excursions?.silentDevice, excursions?.driftDevice].compactMap { $0 }
        if roll < duplicates, let index = recent.randomIndex(using: &rng, where: { !excluded.contains($0.device) }) {
            duplicateMessages += 1
            return recent[index].message
        }
        advanceSilence(nowMs: nowMs, progress: progress)
        var slot = sequence % (devices * metrics)
        sequence += 1
        // A silent device's turns go to the next devices; it is never the only one.
        while isSilent(device: slot % devices) {
            slot = sequence % (devices * metrics)
            sequence += 1
        }
        let device = slot % devices
        let metric = slot / devices
        let topic = "\(topicPrefix)/\(site)/line\(device % lines)/sensor/dev\(device)/m\(metric)"
        let drifting = isDriftTurn(slot: slot, progress: progress)
        if roll < duplicates + malformed && !drifting {
            let kind = Self.malformedKinds[rng.next(below: Self.malformedKinds.count)]
            malformedMessages += 1
            malformedByKind[kind, default: 0] += 1
            return PublishPlan.Message(topic: topic, payload: malformedPayload(kind, nowMs: nowMs))
        }
        var records: [String] = []
        for _ in 0..<batch {
            // Each (device, metric) gets strictly increasing timestamps, so every valid reading is unique.
            let ts = max(nowMs, lastTs[slot] + 1)
            lastTs[slot] = ts
            let draw = rng.nextDouble()
            let value = drifting ? Self.driftValue(draw) : (draw * 1000).rounded() / 10
            records.append("{\"ts\":\(ts),\"value\":\(value),\"unit\":\"C\",\"seq\":\(sequence)}")
        }
        if excursions != nil { readingSent(slot: slot, drifting: drifting, firstTs: lastTs[slot] - Int64(batch - 1), lastTs: lastTs[slot]) }
        let payload = batch == 1 ? records[0] : "[" + records.joined(separator: ",") + "]"
        let message = PublishPlan.Message(topic: topic, payload: payload)
        validMessages += 1
        recent.append((device, message))
        return message
    }

    private func malformedPayload(_ kind: String, nowMs: Int64) -> String {
        switch kind {
        case "bad_json": "{\"ts\":\(nowMs),\"value\":"
        case "wrong_type": "{\"ts\":\(nowMs),\"value\":\"high\"}"
        case "missing_value": "{\"ts\":\(nowMs),\"unit\":\"C\"}"
        case "future_ts": "{\"ts\":\(nowMs + 86_400_000),\"value\":1.5}"
        case "not_finite": "{\"ts\":\(nowMs),\"value\":1e999}"
        default: "{\"ts\":\(nowMs),\"value\":1.5,\"unit\":\"\(String(repeating: "x", count: 300))\"}"
        }
    }
}
