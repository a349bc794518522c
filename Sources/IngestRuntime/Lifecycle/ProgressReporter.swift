import IngestCore
import Logging
import ServiceLifecycle

/// Every 10 s, while anything moves or a connection changed: a progress line with whether the
/// broker and the database are connected, every family's fates, the rate and the journal's
/// backlog, the systemd STATUS, and the retained status message with the
/// counters. Under systemd's watchdog it also sends `WATCHDOG=1` at half the interval, but
/// only while the pipeline and the writer beat: a stuck one stops the pings and systemd
/// restarts ingestd (the journal keeps what it held). Started last, so it is the first to
/// hear of a shutdown: it says so (log, STOPPING=1).
struct ProgressReporter: Service {
    let stats: RuntimeStats
    let health: Health
    let inbox: any Inbox
    let ingress: IngressService
    let publisher: Publisher
    let notifier: SystemdNotifier
    let heartbeat: Heartbeat
    let logger: Logger
    var interval: Duration = .seconds(10)

    func run() async throws {
        var last = stats.snapshot
        var lastConnections = ""
        var lastReport = ContinuousClock.now
        let tick = notifier.watchdogInterval.map { min(interval, $0 / 2) } ?? interval
        var stalledBefore: [String] = []
        while true {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
            } catch {
                break
            }
            if Task.isShuttingDownGracefully { break }
            if let watchdog = notifier.watchdogInterval {
                let stalled = heartbeat.stalled(olderThan: watchdog / 2)
                if stalled.isEmpty {
                    notifier.notifyWatchdog()
                } else if stalled != stalledBefore {
                    let since = stalled.map { "\($0) \(heartbeat.sinceLastBeat($0))" }.joined(separator: ", ")
                    logger.critical("no heartbeat from \(since): not feeding systemd's watchdog, which restarts ingestd")
                }
                stalledBefore = stalled
            }
            guard ContinuousClock.now - lastReport >= interval else { continue }
            let now = stats.snapshot
            let connections = Self.connections(health.snapshot)
            guard now != last || connections != lastConnections else { continue }
            lastConnections = connections
            let backlog = inbox.backlog
            let seconds = Double(lastReport.duration(to: .now).wholeMilliseconds) / 1000
            lastReport = .now
            let rate = Int(Double(now.rowsCommitted - last.rowsCommitted) / max(seconds, 0.001))
            logger.info("progress: \(connections); \(now.fates.summary); committed_rows=\(now.rowsCommitted) batches=\(now.batchesCommitted) rows_per_s=\(rate) backlog_messages=\(backlog.messages) backlog_bytes=\(backlog.bytes) alerts_raised=\(now.alertsRaised) alerts_cleared=\(now.alertsCleared) windows_published=\(now.windowsPublished) late_readings=\(now.lateReadings) series_tracked=\(now.seriesTracked) series_refused=\(now.seriesRefused.values.reduce(0, +)) outgoing_dropped=\(now.outgoingDropped.values.reduce(0, +))")
            notifier.notify("STATUS=\(rate) rows/s; \(now.rowsCommitted) rows committed; backlog \(backlog.messages) messages (\(backlog.bytes / 1_048_576) MiB)")
            if ingress.isConnected { publisher.publish(ingress.status("online", counters: now.fates, analytics: now.analyticsCounts)) }
            last = now
        }
        logger.notice("stopping: no new messages; flushing every batch")
        notifier.notify("STOPPING=1")
    }

    /// `broker=connected database=connected`, or what is wrong with either.
    static func connections(_ h: Health.Snapshot) -> String {
        let broker = h.subscribed ? "connected" : h.brokerConnected ? "subscribing" : "down (\(h.brokerProblem ?? "connecting"))"
        let database = switch h.databaseReachable {
        case true?: "connected"
        case false?: "failing (\(h.databaseProblem ?? "unreachable"))"
        case nil: "not used yet"
        }
        return "broker=\(broker) database=\(database)"
    }
}
