import Foundation
@testable import ingestd_sim

/// A plain reading of the alert rules ingestd ships (config/ingestd.yaml), applied to the
/// messages a plan sends, in order: what a correct engine must raise and clear. Pessimistic
/// on purpose: every valid message counts, repeats and corrections included. Messages that
/// ingestd rejects (the malformed kinds the plans send) are counted and skipped.
struct RuleOracle {
    /// One alert raised or cleared.
    struct Event: Equatable, CustomStringConvertible {
        var rule: String
        var device: String
        var metric: String?
        var raised: Bool
        var ts: Int64
        var description: String { "\(raised ? "raise" : "clear") \(rule) \(device)\(metric.map { "/" + $0 } ?? "") @\(ts)" }
    }

    /// The `offline` rule's staleness, in ms.
    let staleMs: Int64
    private(set) var events: [Event] = []
    private(set) var rejected = 0
    /// Extremes seen in valid data, to show how far from the limits the normal play keeps.
    private(set) var maxBatteryTemperature = -Double.infinity
    private(set) var minSoc = Double.infinity
    private(set) var minSoh = Double.infinity
    private(set) var redChanges = 0
    private(set) var longestYellowMs: Int64 = 0
    private(set) var maxAbsZ = 0.0

    private var raised = Set<String>()
    private var windows: [String: Window] = [:]
    private var lastSeen: [String: Int64] = [:]
    private var clock: Int64 = 0
    private var current: [String: (changedAt: Int64, source: String, seq: Int, state: String)] = [:]
    private var yellowSince: [String: Int64] = [:]

    private let rfc3339: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    init(staleMs: Int64) { self.staleMs = staleMs }

    /// A rolling window of one (device, metric): the last 5 minutes by `ts`, with running sums.
    private struct Window {
        var samples: [(ts: Int64, value: Double)] = []
        var head = 0
        var sum = 0.0, squares = 0.0
        var count: Int { samples.count - head }

        mutating func drop(before ts: Int64) {
            while head < samples.count && samples[head].ts < ts {
                sum -= samples[head].value
                squares -= samples[head].value * samples[head].value
                head += 1
            }
            if head > 4096 { samples.removeFirst(head); head = 0 }
        }

        mutating func add(_ ts: Int64, _ value: Double) {
            samples.append((ts, value))
            sum += value
            squares += value * value
        }

        /// How many standard deviations `value` lies from the window's mean.
        func z(_ value: Double) -> Double {
            let n = Double(count)
            let mean = sum / n
            let sd = max(0, squares / n - mean * mean).squareRoot()
            return sd > 0 ? abs(value - mean) / sd : 0
        }
    }

    mutating func feed(_ m: PublishPlan.Message, nowMs: Int64) {
        let parts = m.topic.split(separator: "/").map(String.init)
        let family = parts[parts.count - 3]
        guard family != "machine" else { return }
        guard let json = try? JSONSerialization.jsonObject(with: Data(m.payload)) else { rejected += 1; return }
        switch family {
        case "sensor": sensor(device: parts[4], metric: parts[5], json, nowMs: nowMs)
        case "battery": battery(device: parts[3], json)
        case "equipment": equipment(device: parts[4], json)
        default: break
        }
    }

    private mutating func sensor(device: String, metric: String, _ json: Any, nowMs: Int64) {
        let records = (json as? [[String: Any]]) ?? [(json as? [String: Any]) ?? [:]]
        var readings: [(Int64, Double)] = []
        for r in records {
            guard let ts = (r["ts"] as? NSNumber)?.int64Value, let value = (r["value"] as? NSNumber)?.doubleValue,
                  !(r["value"] is String), value.isFinite, ts <= nowMs + 60_000, ((r["unit"] as? String)?.count ?? 0) <= 64
            else { rejected += 1; return }
            readings.append((ts, value))
        }
        for (ts, value) in readings {
            clock = max(clock, ts)
            if raised.contains("offline/\(device)") { toggle("offline", device, nil, false, ts) }
            lastSeen[device] = ts
            var w = windows["\(device)/\(metric)", default: Window()]
            w.drop(before: ts - 300_000)
            if w.count >= 30 {
                let z = w.z(value)
                maxAbsZ = max(maxAbsZ, z)
                let key = "value_anomaly/\(device)/\(metric)"
                if !raised.contains(key) && z > 4 { toggle("value_anomaly", device, metric, true, ts) }
                else if raised.contains(key) && z < 3 { toggle("value_anomaly", device, metric, false, ts) }
            }
            w.add(ts, value)
            windows["\(device)/\(metric)"] = w
            for (other, seen) in lastSeen where clock - seen > staleMs && !raised.contains("offline/\(other)") {
                toggle("offline", other, nil, true, seen + staleMs)
            }
        }
    }

    private mutating func battery(device: String, _ json: Any) {
        guard let r = json as? [String: Any], let ts = (r["ts"] as? NSNumber)?.int64Value,
              let temperature = (r["temperature"] as? NSNumber)?.doubleValue, let soc = (r["soc"] as? NSNumber)?.doubleValue,
              let soh = (r["soh"] as? NSNumber)?.doubleValue, !(r["voltage"] is String), (r["voltage"] as? NSNumber) != nil,
              (0...100).contains(soc), (-40...125).contains(temperature), (r["battery"] as? String).map({ $0 == device }) ?? true
        else { rejected += 1; return }
        maxBatteryTemperature = max(maxBatteryTemperature, temperature)
        minSoc = min(minSoc, soc)
        minSoh = min(minSoh, soh)
        threshold("battery_overheat", device, "temperature", raise: temperature > 60, clear: temperature < 55, ts)
        threshold("battery_low_soc", device, "soc", raise: soc < 10, clear: soc > 15, ts)
        threshold("battery_worn", device, "soh", raise: soh < 70, clear: soh > 72, ts)
    }

    private mutating func equipment(device: String, _ json: Any) {
        guard let r = json as? [String: Any], let state = r["state"] as? String, ["green", "yellow", "red"].contains(state),
              let text = r["changed_at"] as? String, let changedAt = epochMs(text), let source = r["source"] as? String,
              (r["equipment"] as? String).map({ $0 == device }) ?? true
        else { rejected += 1; return }
        let seq = (r["seq"] as? NSNumber)?.intValue ?? 0
        if state == "red" { redChanges += 1 }
        if let c = current[device], (c.changedAt, c.source, c.seq) >= (changedAt, source, seq) { return }
        current[device] = (changedAt, source, seq, state)
        if state == "yellow" { yellowSince[device] = yellowSince[device] ?? changedAt }
        else if let since = yellowSince.removeValue(forKey: device) { longestYellowMs = max(longestYellowMs, changedAt - since) }
        threshold("line_red", device, nil, raise: state == "red", clear: state != "red", changedAt)
    }

    private mutating func threshold(_ rule: String, _ device: String, _ metric: String?, raise: Bool, clear: Bool, _ ts: Int64) {
        let key = "\(rule)/\(device)" + (metric.map { "/" + $0 } ?? "")
        if !raised.contains(key) && raise { toggle(rule, device, metric, true, ts) }
        else if raised.contains(key) && clear { toggle(rule, device, metric, false, ts) }
    }

    private mutating func toggle(_ rule: String, _ device: String, _ metric: String?, _ raise: Bool, _ ts: Int64) {
        let key = "\(rule)/\(device)" + (metric.map { "/" + $0 } ?? "")
        if raise { raised.insert(key) } else { raised.remove(key) }
        events.append(Event(rule: rule, device: device, metric: metric, raised: raise, ts: ts))
    }

    /// `2026-11-23T10:15:30.123Z` as epoch ms; nil when it is not one.
    private func epochMs(_ text: String) -> Int64? {
        rfc3339.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }
}

/// Plays `count` messages of `plan` on a made-up clock of `rate` messages a second, through `oracle`.
func play(_ plan: inout PublishPlan, count: Int, rate: Double, oracle: inout RuleOracle, startMs: Int64 = 1_800_000_000_000)
    -> [PublishPlan.Message] {
    var sent: [PublishPlan.Message] = []
    sent.reserveCapacity(count)
    for i in 0..<count {
        let now = startMs + Int64(Double(i) * 1000 / rate)
        let m = plan.next(nowMs: now)
        oracle.feed(m, nowMs: now)
        sent.append(m)
    }
    return sent
}
