import IngestCore
import Logging
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The pipeline thread: takes messages from the inbox (the journal) in bursts, feeds them to
/// the `PipelineStateMachine`, and carries its actions out — counters to the stats, batches
/// to the writer (blocking while it is behind). On graceful shutdown it stops taking (the
/// journal keeps the rest for the next start; memory is drained) and hands over its last batch.
final class PipelineService: Service, @unchecked Sendable {  // `thread` is set once in run() before anything reads it
    let inbox: any Inbox
    private let config: IngestConfig
    private let stats: RuntimeStats
    private let writer: DatabaseWriter
    private var thread: WorkerThread?
    /// A reloaded config waiting for the end of the current burst.
    private let reloaded = Mutex<IngestConfig?>(nil)

    private let heartbeat: Heartbeat.Worker
    private let logger: Logger

    /// What the alert engine knew before this start, taken over before the first message.
    private let alertState: AlertState

    init(config: IngestConfig, inbox: any Inbox, stats: RuntimeStats, writer: DatabaseWriter, heartbeat: Heartbeat.Worker,
         alertState: AlertState = AlertState(), logger: Logger = Logger(label: "ingestd.pipeline")) {
        self.config = config
        self.logger = logger
        self.alertState = alertState
        self.heartbeat = heartbeat
        self.inbox = inbox
        self.stats = stats
        self.writer = writer
    }

    func run() async throws {
        thread = WorkerThread(name: "ingestd-pipeline") { [self] in loop() }
        try? await gracefulShutdown()
        await offThread("ingestd-pipeline-stop") { [self] in
            inbox.closeTaking()
            thread?.join()
        }
    }

    /// Takes over new routes, checks and batching after the current burst: the pending batch
    /// is handed to the writer first, so nothing taken under the old config is dropped.
    func reload(_ config: IngestConfig) {
        reloaded.withLock { $0 = config }
    }

    /// Bursts smaller than this make the pipeline linger before the next one.
    static let burstWorthWaking = 512
    static let lingerMicros: UInt32 = 1_000

    private func loop() {
        func makeMachine(_ config: IngestConfig) -> PipelineStateMachine {
            PipelineStateMachine(routes: config.routes, settings: config.families, dedupCapacity: config.dedupWindow,
                                 batchSize: config.writer.batchSize, batchMaxAge: config.writer.maxAge,
                                 analytics: Analytics(rules: config.alertRules, routes: config.routes.map(\.pattern.description),
                                                      aggregates: config.aggregates, bounds: config.analytics))
        }
        var machine = makeMachine(config)
        var actions: [PipelineAction] = []
        actions.reserveCapacity(64)
        var delta = FateCounters()
        var lateCounted = 0
        var seriesCounted = (tracked: 0, refused: 0)
        var refusalNotice = LogThrottle(every: .seconds(60))
        machine.restore(open: alertState.open, lastSeen: alertState.lastSeen, currentStates: alertState.currentStates,
                        clock: .now, actions: &actions)

        func carryOut() {
            for action in actions {
                switch action {
                case .flush(let batch): writer.submit(batch) { heartbeat.beat() }
                default: delta.apply(action)
                }
            }
            actions.removeAll(keepingCapacity: true)
        }

        // At most a second per wait, whatever the next deadline (a batch's max_age, a window's
        // close): the heartbeat must beat at least once a second, also while idle.
        while let messages = inbox.take(until: min(machine.deadline ?? .now + .seconds(1), .now + .seconds(1))) {
            heartbeat.beat()
            // Before the burst: a message on a route the reload added is taken after the reload was set.
            if let next = reloaded.withLock({ c in defer { c = nil }; return c }) {
                machine.shutdownRequested(actions: &actions)
                carryOut()
                var fresh = makeMachine(next)
                fresh.carryOver(from: machine)
                machine = fresh
            }
            if messages.isEmpty {
                // Caught up and nothing arrives: reading time has reached the wall clock.
                machine.idle(now: .now(), clock: .now, actions: &actions)
                carryOut()
            }
            let now = Timestamp.now()
            let clock = ContinuousClock.now
            for message in messages {
                machine.messageReceived(message, now: now, clock: clock, actions: &actions)
                carryOut()
            }
            machine.timerFired(clock: .now, actions: &actions)
            carryOut()
            if !delta.isEmpty {
                stats.add(delta)
                delta = FateCounters()
            }
            if machine.analytics.late != lateCounted {
                stats.lateReadings(machine.analytics.late - lateCounted)
                lateCounted = machine.analytics.late
            }
            let budget = machine.analytics.budget
            if budget.count != seriesCounted.tracked || budget.refused != seriesCounted.refused {
                stats.series(tracked: budget.count, refusedPerDevice: budget.refusedPerDevice, refusedTotal: budget.refusedTotal)
                if budget.refused > seriesCounted.refused, let n = refusalNotice.happened(now: .now, count: budget.refused - seriesCounted.refused),
                   let (key, bound) = budget.lastRefused {
                    let limit = bound == .perDevice ? "analytics.max_series_per_device (\(budget.bounds.maxSeriesPerDevice))"
                                                    : "analytics.max_series (\(budget.bounds.maxSeries))"
                    logger.warning("\(n) readings of series past \(limit) were stored but not alerted on or windowed since the last notice (counted in ingestd_analytics_series_refused_total); series followed: \(budget.count)",
                                   metadata: ["family": "\(key.family.rawValue)", "site": "\(key.site ?? "")", "device": "\(key.device)",
                                              "metric": "\(key.metric)", "bound": "\(bound.rawValue)"])
                }
                seriesCounted = (budget.count, budget.refused)
            }

            // After a small burst, let messages gather for a moment: libmosquitto's thread then
            // queues them without waking this one, and one wake-up serves a whole burst.
            // Measured: a wake-up per message cost ~0.9 futex calls per message and most of
            // ingestd's CPU; this costs at most `lingerMicros` of latency.
            if messages.count < Self.burstWorthWaking { usleep(Self.lingerMicros) }
        }
        machine.shutdownRequested(actions: &actions)
        carryOut()
        if !delta.isEmpty { stats.add(delta) }
    }
}
