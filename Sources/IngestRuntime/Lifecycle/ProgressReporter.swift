import IngestCore
import Logging
import ServiceLifecycle

/// Every 10 s, while anything moves: a progress line with every family's fates, the systemd
/// STATUS, and the retained status message with the counters. Started last, so it is the
/// first to hear of a shutdown: it says so (log, STOPPING=1).
struct ProgressReporter: Service {
    let stats: RuntimeStats
    let inbox: BlockingQueue<InboundMessage>
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
            logger.info("progress: \(now.fates.summary); committed_rows=\(now.rowsCommitted) batches=\(now.batchesCommitted) inbox=\(inbox.count)")
            notifier.notify("STATUS=\(now.rowsCommitted) rows committed")
            if ingress.isConnected { publisher.publish(ingress.status("online", counters: now.fates)) }
            last = now
        }
        logger.notice("stopping: no new messages; flushing every batch")
        notifier.notify("STOPPING=1")
    }
}
