import Foundation
import Testing

/// One device account inventing series must not grow ingestd's memory or what it publishes
/// without bound: a real broker, database and ingestd binary, a million invented topics.
extension StackTests {
@Suite struct SeriesBoundsTests {
    /// A line of /proc/PID/status in kB (VmRSS, VmHWM); nil when it cannot be read.
    static func memoryKB(_ pid: Int32, _ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// The peak resident memory ingestd may reach in this test. Measured (debug build, the
    /// journal's mapped segments included): 43 MB at start, a peak of 145 MB with the bounds,
    /// flat over the last 400,000 series. With bounds too large to hit, the same run had
    /// reached a peak of 1,142 MB at 633,731 series, still growing, with 988,854 window
    /// summaries published and 2,500 rows/s left.
    static let peakBoundMB = 250

    @Test("1,000,000 invented series (half of one device, half of 1,000 others): every reading stored, RSS under a fixed bound, both bounds counted")
    func aMillionInventedSeriesKeepMemoryBounded() throws {
        let root = TestStack.uniqueTopicRoot("series")
        let dbURL = try TestStack.freshDatabase("series")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, extra: """
            analytics:
              max_series_per_device: 1000
              max_series: 20000
            alerts:
              rules:
                - name: offline
                  family: sensor
                  kind: stale
                  after: 1h
                  severity: warning
                - name: too_high
                  family: sensor
                  kind: threshold
                  above: 1000000
                  clear_below: 999999
                  severity: warning
            """)
        _ = try TestStack.migrate(config: config)
        let daemon = try TestStack.startIngestd(config: config)
        _ = daemon.waitForOutput("HTTP endpoint listening on", timeout: 20)
        let endpoint = try #require(daemon.httpEndpoint, "no endpoint line:\n\(daemon.output.suffix(2000))")
        let pid = daemon.process.processIdentifier
        let startRSS = try #require(Self.memoryKB(pid, "VmRSS"))

        // Each topic its own site and metric, a bare number: `{root}/x{i}/l1/sensor/dev0/m{i}` for
        // the first half (one account inventing sites and metrics: its own bound), then
        // `dev{1 + i % 1000}` (many accounts: the total bound).
        let total = 1_000_000
        let publisher = try BulkPublisher()
        var samples: [Int] = []
        for chunk in 0..<10 {
            try publisher.publish(count: total / 10) { j in
                let i = chunk * (total / 10) + j
                let device = i < total / 2 ? 0 : 1 + i % 1_000
                return ("\(root)/x\(i)/l1/sensor/dev\(device)/m\(i)", String(i % 100))
            }
            samples.append(Self.memoryKB(pid, "VmRSS") ?? -1)
        }
        let stored = TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings", atLeast: total, timeout: 600)
        let peak = try #require(Self.memoryKB(pid, "VmHWM"))
        let rss = try #require(Self.memoryKB(pid, "VmRSS"))
        print("series bound test: RSS start \(startRSS / 1024) MB, after each 100,000: \(samples.map { $0 / 1024 }) MB, end \(rss / 1024) MB, peak \(peak / 1024) MB")
        #expect(stored == total, "every reading is stored, followed or not")
        #expect(peak < Self.peakBoundMB * 1024, "peak RSS \(peak / 1024) MB, bound \(Self.peakBoundMB) MB")

        let scrape = try #require(httpGet("\(endpoint)/metrics")).body
        let metrics = prometheusSamples(scrape)
        let perDevice = metrics[#"ingestd_analytics_series_refused_total{bound="per_device"}"#] ?? -1
        let overall = metrics[#"ingestd_analytics_series_refused_total{bound="total"}"#] ?? -1
        #expect(perDevice == Double(total / 2 - 1_000), "dev0 keeps its first 1,000 series: per_device \(perDevice)")
        #expect(overall > 0, "the total bound hit and counted: \(overall)")
        #expect(perDevice + overall == Double(total - 20_000), "every reading of a series not followed")
        #expect(metrics["ingestd_analytics_series"] == 20_000)
        // One reading per series: at most one 10 s and one 1 min window per series followed.
        let windows = metrics["ingestd_windows_published_total"] ?? -1
        #expect(windows <= 40_000, "window summaries published: \(windows)")
        #expect(daemon.output.contains("analytics.max_series_per_device (1000)"), "the bound is logged")
        let notices = daemon.output.components(separatedBy: "were stored but not alerted on or windowed").count - 1
        #expect(notices >= 1 && notices <= 10, "logged at most once a minute, not per reading: \(notices)")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }
}
}
