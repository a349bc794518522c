/// Decides what each next message is: a new valid one, an exact repeat of a recent one, or
/// a malformed one of some kind. Deterministic for a seed.
struct PublishPlan {
    struct Message {
        var topic: String
        var payload: [UInt8]
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
    private var lastTs: [Int64]
    private var recent: [Message] = []
    private var recentHead = 0
    private var sequence = 0

    private(set) var validMessages = 0
    private(set) var duplicateMessages = 0
    private(set) var malformedMessages = 0
    private(set) var malformedByKind: [String: Int] = [:]

    init(devices: Int, metrics: Int, batch: Int, topicPrefix: String, site: String, lines: Int,
         duplicates: Double, malformed: Double, seed: UInt64) {
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
    }

    mutating func next(nowMs: Int64) -> Message {
        let roll = rng.nextDouble()
        if roll < duplicates, !recent.isEmpty {
            duplicateMessages += 1
            return recent[Int(rng.next() % UInt64(recent.count))]
        }
        let slot = sequence % (devices * metrics)
        sequence += 1
        let device = slot % devices
        let metric = slot / devices
        let topic = "\(topicPrefix)/\(site)/line\(device % lines)/sensor/dev\(device)/m\(metric)"
        if roll < duplicates + malformed {
            let kind = Self.malformedKinds[Int(rng.next() % UInt64(Self.malformedKinds.count))]
            malformedMessages += 1
            malformedByKind[kind, default: 0] += 1
            return Message(topic: topic, payload: Array(malformedPayload(kind, nowMs: nowMs).utf8))
        }
        var records: [String] = []
        for _ in 0..<batch {
            // Each (device, metric) gets strictly increasing timestamps, so every valid reading is unique.
            let ts = max(nowMs, lastTs[slot] + 1)
            lastTs[slot] = ts
            let value = (rng.nextDouble() * 1000).rounded() / 10
            records.append("{\"ts\":\(ts),\"value\":\(value),\"unit\":\"C\",\"seq\":\(sequence)}")
        }
        let payload = batch == 1 ? records[0] : "[" + records.joined(separator: ",") + "]"
        let message = Message(topic: topic, payload: Array(payload.utf8))
        validMessages += 1
        if recent.count < 1000 { recent.append(message) } else { recent[recentHead] = message; recentHead = (recentHead + 1) % 1000 }
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

/// A small, fast, seedable random number generator.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
