import CoreMetrics
import IngestCore
import Prometheus
import Synchronization

/// ingestd's Prometheus metrics, made through swift-metrics handles by a factory of their own
/// (no process-wide bootstrap, so that each daemon and each test has its own registry).
///
/// Counters follow `RuntimeStats`: at each scrape they are raised by what the stats gained
/// since the last one, so the hot path counts once (in the stats) and the figures on
/// `/metrics` are the figures of the logs and the status message. Gauges are set at each
/// scrape. Histograms are recorded as things happen: rows per batch and the commit's duration
/// once per commit, the end-to-end latency once per row committed.
public final class IngestMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let batchRows: Recorder
    private let commitDuration: CoreMetrics.Timer
    private let endToEnd: CoreMetrics.Timer
    /// What each counter was raised to so far, and its handle, by name and labels.
    private let counters = Mutex<[String: (handle: CoreMetrics.Counter, value: Int)]>([:])

    static let batchRowsBuckets: [Double] = [1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000]
    static let commitBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                            .seconds(1), .seconds(2.5), .seconds(10)]
    static let endToEndBuckets: [Duration] = [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                              .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
                                              .seconds(30), .seconds(60), .seconds(300), .seconds(3_600)]

    public init() {
        var f = PrometheusMetricsFactory(registry: registry)
        f.valueHistogramBuckets["ingestd_batch_rows"] = Self.batchRowsBuckets
        f.durationHistogramBuckets["ingestd_commit_duration_seconds"] = Self.commitBuckets
        f.durationHistogramBuckets["ingestd_end_to_end_latency_seconds"] = Self.endToEndBuckets
        factory = f
        batchRows = Recorder(label: "ingestd_batch_rows", dimensions: [], aggregate: true, factory: f)
        commitDuration = CoreMetrics.Timer(label: "ingestd_commit_duration_seconds", dimensions: [], factory: f)
        endToEnd = CoreMetrics.Timer(label: "ingestd_end_to_end_latency_seconds", dimensions: [], factory: f)
    }

    /// A batch the database committed in `elapsed`: its size, the commit's duration, and each
    /// row's latency from its device time to `now` (a device clock ahead counts as 0).
    func committed(_ batch: Batch, elapsed: Duration, now: Timestamp = .now()) {
        batchRows.record(batch.count)
        commitDuration.recordNanoseconds(elapsed.wholeMicroseconds * 1_000)
        for table in batch.tables {
            for i in 0..<table.count {
                endToEnd.recordNanoseconds(max(0, now.microseconds - table.deviceTime(at: i).microseconds) * 1_000)
            }
        }
    }

    /// Brings the counters and gauges up to date, then writes them all in Prometheus's text
    /// format (version 0.0.4).
    public func exposition(stats: RuntimeStats.Snapshot, health: Health.Snapshot, backlog: (messages: Int, bytes: Int),
                           writerQueue: Int) -> [UInt8] {
        for (name, labels, value) in Self.counterValues(stats) { raise(name, labels, to: value) }
        let ready = Readiness(health, backlogMessages: backlog.messages).ready
        for (name, value) in [("ingestd_journal_backlog_messages", backlog.messages), ("ingestd_journal_backlog_bytes", backlog.bytes),
                              ("ingestd_alerts_open", stats.alertsOpen), ("ingestd_mqtt_connected", health.subscribed ? 1 : 0),
                              ("ingestd_database_connected", health.databaseReachable == true ? 1 : 0), ("ingestd_ready", ready ? 1 : 0)] {
            Meter(label: name, dimensions: [], factory: factory).set(value)
        }
        Meter(label: "ingestd_queue_depth", dimensions: [("queue", "writer")], factory: factory).set(writerQueue)
        Meter(label: "ingestd_queue_depth", dimensions: [("queue", "inbox")], factory: factory).set(backlog.messages)
        Meter(label: "ingestd_queue_depth", dimensions: [("queue", "outgoing")], factory: factory).set(stats.outgoingWaiting)
        Meter(label: "ingestd_analytics_series", dimensions: [], factory: factory).set(stats.seriesTracked)
        var out: [UInt8] = []
        out.reserveCapacity(16_384)
        registry.emit(into: &out)
        return out
    }

    private func raise(_ name: String, _ labels: [(String, String)], to value: Int) {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        counters.withLock { all in
            var entry = all[key] ?? (CoreMetrics.Counter(label: name, dimensions: labels, factory: factory), 0)
            if value > entry.value { entry.handle.increment(by: value - entry.value) }
            entry.value = max(entry.value, value)
            all[key] = entry
        }
    }

    /// Every counter the stats hold, as Prometheus names and labels.
    static func counterValues(_ s: RuntimeStats.Snapshot) -> [(String, [(String, String)], Int)] {
        var out: [(String, [(String, String)], Int)] = []
        for (family, c) in s.fates.byFamily.sorted(by: { $0.key < $1.key }) {
            for (fate, n) in [("accepted", c.accepted), ("duplicate", c.duplicate), ("updated", c.updated), ("stale", c.stale),
                              ("rejected", c.rejected)] {
                out.append(("ingestd_records_total", [("family", family), ("fate", fate)], n))
            }
            for (reason, n) in c.rejectedByReason.sorted(by: { $0.key < $1.key }) {
                out.append(("ingestd_rejected_total", [("family", family), ("reason", reason)], n))
            }
            out.append(("ingestd_dead_letters_total", [("family", family)], c.deadLetters))
        }
        out.append(("ingestd_rows_committed_total", [], s.rowsCommitted))
        out.append(("ingestd_journal_damaged_records_total", [], s.journalDamagedRecords))
        out.append(("ingestd_journal_damaged_bytes_total", [], s.journalDamagedBytes))
        out.append(("ingestd_dead_letters_committed_total", [], s.deadLettersCommitted))
        out.append(("ingestd_batches_committed_total", [], s.batchesCommitted))
        out.append(("ingestd_write_failures_total", [], s.writeFailures))
        for (labels, n) in s.alertsRaisedByRule.sorted(by: { ($0.key.rule, $0.key.severity) < ($1.key.rule, $1.key.severity) }) {
            out.append(("ingestd_alerts_raised_total", [("rule", labels.rule), ("severity", labels.severity)], n))
        }
        for (labels, n) in s.alertsClearedByRule.sorted(by: { ($0.key.rule, $0.key.severity) < ($1.key.rule, $1.key.severity) }) {
            out.append(("ingestd_alerts_cleared_total", [("rule", labels.rule), ("severity", labels.severity)], n))
        }
        out.append(("ingestd_windows_published_total", [], s.windowsPublished))
        out.append(("ingestd_late_readings_total", [], s.lateReadings))
        out.append(("ingestd_rollup_minutes_set_aside_total", [], s.rollupMinutesSetAside))
        // A reconnect is every accepted connection after the first.
        out.append(("ingestd_mqtt_reconnects_total", [], max(0, s.mqttConnects - 1)))
        out.append(("ingestd_mqtt_connect_failures_total", [], s.mqttConnectFailures))
        out.append(("ingestd_mqtt_connections_lost_total", [], s.mqttConnectionsLost))
        out.append(("ingestd_database_reconnects_total", [], max(0, s.databaseConnects - 1)))
        // Every label from the start, so that a bound never hit reads 0 rather than nothing.
        for bound in SeriesBudget.Bound.allCases {
            out.append(("ingestd_analytics_series_refused_total", [("bound", bound.rawValue)], s.seriesRefused[bound.rawValue] ?? 0))
        }
        for (kind, n) in s.outgoingDropped.sorted(by: { $0.key < $1.key }) {
            out.append(("ingestd_mqtt_outgoing_dropped_total", [("kind", kind)], n))
        }
        return out
    }
}
