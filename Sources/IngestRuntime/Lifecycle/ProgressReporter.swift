import IngestCore
import Logging
import ServiceLifecycle

/// Every 10 s, while anything moves: a progress line with every family's fates, the systemd
/// STATUS, and the retained status message with the counters. Started last, so it is the
/// first to hear of a shutdown: it says so (log, STOPPING=1).
struct ProgressReporter: Service {
    let stats: RuntimeStats
    let inbox: any Inbox
    let ingress: IngressService
    let publisher: Publisher
    let notifier: SystemdNotifier
    let logger: Logger
    var interval: Duration = .seconds(10)

    func run() async throws {
        var last = stats.snapshot
        while true {
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch {
                break
            }
            if Task.isShuttingDownGracefully { break }
            let now = stats.snapshot
            guard now != last else { continue }
            let backlog = inbox.backlog
            let seconds = Double(interval.wholeMilliseconds) / 1000
            let rate = Int(Double(now.rowsCommitted - last.rowsCommitted) / seconds)
            logger.info("progress: \(now.fates.summary); committed_rows=\(now.rowsCommitted) batches=\(now.batchesCommitted) rows_per_s=\(rate) backlog_messages=\(backlog.messages) backlog_bytes=\(backlog.bytes)")
            notifier.notify("STATUS=\(rate) rows/s; \(now.rowsCommitted) rows committed; backlog \(backlog.messages) messages (\(backlog.bytes / 1_048_576) MiB)")
            if ingress.isConnected { publisher.publish(ingress.status("online", counters: now.fates)) }
            last = now
        }
        logger.notice("stopping: no new messages; flushing every batch")
        notifier.notify("STOPPING=1")
    }
}
