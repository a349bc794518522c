import Dispatch
import IngestCore
import Logging
import Mosquitto
import PostgresClient
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `ingestd run`: migrates (when configured; as `database.owner_url`), then runs the services
/// (as `database.url`) in one `ServiceGroup`
/// until SIGTERM or SIGINT (`StopSignals`). Start order: MQTT session closer, writer,
/// pipeline, MQTT ingress, progress reporter; shutdown in reverse: stop reporting, hand the
/// pipeline's last batch over (it stops taking from the journal), commit and publish what the
/// database takes before the deadline, then offline status and DISCONNECT.
public final class Daemon: Sendable {
    public static let version = "0.2.0"

    private let config: IngestConfig
    private let logger: Logger
    private let notifier: SystemdNotifier
    public let stats = RuntimeStats()
    let health = Health()
    let metrics = IngestMetrics()

    /// Reads the config file again, for SIGHUP; nil: SIGHUP is logged and ignored.
    private let reloadConfig: (@Sendable () throws -> IngestConfig)?

    public init(config: IngestConfig, logger: Logger, environment: [String: String],
                reload: (@Sendable () throws -> IngestConfig)? = nil) {
        self.config = config
        self.logger = logger
        notifier = SystemdNotifier(environment: environment)
        reloadConfig = reload
    }

    /// Runs until a stop signal; returns the process's exit code.
    public func run() async throws -> Int32 {
        let url = try MQTTURL(parsing: config.mqtt.url)
        // An unreadable CA, certificate or key file stops the start here, naming the file.
        try MQTTClient.checkTLSFiles(IngressService.options(config, url: url))
        let stop = StopSignals()
        let hangUp = HangUpSignal(logger: logger)
        // Filled in once they exist: the endpoint answers from the start, while migrations wait.
        let queues = HTTPEndpoint.Queues()
        let endpoint = try await startEndpoint(queues: queues)
        defer { if let endpoint { Task { await endpoint.stop() } } }
        if config.database.migrateOnStart {
            guard try migrateRetrying(stop: stop) else { return 0 }
        }

        guard let alertState = try alertStateRetrying(stop: stop) else { return 0 }
        stats.alertsOpen(atStart: alertState.open.count)
        let inbox = try openInbox()
        let heartbeat = Heartbeat(workers: ["pipeline", "writer"])
        let topics = OutboundTopics(prefix: config.publish.prefix)
        let publisher = Publisher(topics: topics, maxQueue: config.mqtt.maxOutgoingQueue, stats: stats,
                                  logger: logger.labelled("ingestd.publisher"))
        let publishDeadLetters = config.publish.deadLetters
        let writer = DatabaseWriter(config: config, logger: logger.labelled("ingestd.writer"), stats: stats, onCommitted: { [stats] batch, effects in
            // After the commit: what the world hears is what the database holds.
            if publishDeadLetters {
                for letter in batch.deadLetters { publisher.publish(topics.deadLetter(letter)) }
            }
            for effect in effects {
                switch effect {
                case .currentState(let change): publisher.publish(topics.currentState(change))
                case .alert(let event):
                    for message in topics.alert(event) { publisher.publish(message) }
                    stats.published(alert: event)
                }
            }
            for summary in batch.aggregates { publisher.publish(topics.aggregate(summary)) }
            if !batch.aggregates.isEmpty { stats.published(windows: batch.aggregates.count) }
        }, onSettled: { last in
            // Every entry of the batch is committed: the journal may let go of its messages.
            if let last { inbox.settled(through: last) }
        }, heartbeat: heartbeat.worker("writer"), health: health, metrics: metrics)
        queues.attach(inbox: inbox, writer: writer, heartbeat: heartbeat)
        // The stop deadline runs from the signal, not from when the writer's turn to stop
        // comes (after the MQTT and pipeline stops); a margin is left for those and the exit.
        let stopTimeout = config.stopTimeout
        stop.whenRequested { writer.stop(by: .now + max(.seconds(1), stopTimeout - .seconds(2))) }
        let pipeline = PipelineService(config: config, inbox: inbox, stats: stats, writer: writer,
                                       heartbeat: heartbeat.worker("pipeline"), alertState: alertState,
                                       logger: logger.labelled("ingestd.pipeline"))
        // The open alerts are retained again once, at the first subscription: a kill between
        // a commit and its publish would otherwise leave an open alert without its message.
        let openAtStart = Mutex<[Alert]?>(alertState.open)
        let ingress = IngressService(config: config, url: url, inbox: inbox, publisher: publisher, health: health, stats: stats,
                                     notifier: notifier, logger: logger.labelled("ingestd.mqtt")) { [notifier, logger, config] in
            for alert in openAtStart.withLock({ o in defer { o = nil }; return o ?? [] }) {
                for message in topics.alert(AlertEvent(alert)) where message.retain { publisher.publish(message) }
            }
            notifier.notify("READY=1\nSTATUS=consuming from \(url)")
            logger.notice("ingestd \(Self.version) running", metadata: [
                "broker": "\(url)", "routes": "\(config.routes.count)", "batch_size": "\(config.writer.batchSize)",
                "method": "\(config.writer.method.rawValue)", "libmosquitto": "\(MQTTClient.libraryVersion)",
                "journal": "\(config.journal.enabled ? config.journal.directory : "off")",
                "families": "\(Set(config.routes.map(\.family.rawValue)).sorted().joined(separator: ","))",
            ])
        }
        let reporter = ProgressReporter(stats: stats, health: health, inbox: inbox, ingress: ingress, publisher: publisher,
                                        notifier: notifier, heartbeat: heartbeat, logger: logger)
        var lifecycleLogger = logger.labelled("ingestd.lifecycle")
        lifecycleLogger.logLevel = max(logger.logLevel, .notice)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [IngressService.SessionCloser(ingress: ingress), WriterService(writer: writer, stopTimeout: config.stopTimeout),
                       pipeline, ingress, reporter,
                       RollupService(refresher: RollupRefresher(config: config, logger: logger.labelled("ingestd.rollups"),
                                                                stats: stats, onFirstConnection: checkRole))],
            logger: lifecycleLogger))
        stop.attach(group)
        if let reloadConfig {
            let running = Mutex(config)
            hangUp.onSignal { [logger, notifier] in
                notifier.notify("RELOADING=1")
                defer { notifier.notify("READY=1") }
                let next: IngestConfig
                do {
                    next = try reloadConfig()
                } catch {
                    // A log line per problem: the file may have several, each with its own line.
                    let problems = "\(error)".split(separator: "\n")
                    logger.error("reload refused, the running configuration stays: \(problems.first ?? "")")
                    for problem in problems.dropFirst() { logger.error("reload refused: \(problem)") }
                    return
                }
                let old = running.withLock { c in defer { c = next }; return c }
                let change = ConfigReload(from: old, to: next)
                if !change.atRestart.isEmpty {
                    logger.warning("reload: these changed but take effect only at the next start: \(change.atRestart.joined(separator: ", "))")
                }
                guard !change.live.isEmpty else {
                    logger.notice("reload: nothing to take over")
                    return
                }
                pipeline.reload(next)  // first: a message on a new filter finds its route
                ingress.reload(next)
                logger.notice("reloaded: \(change.live.joined(separator: ", "))", metadata: ["routes": "\(next.routes.count)"])
            }
        }

        try await group.run()
        withExtendedLifetime((stop, hangUp)) {}  // the signal sources live until the services have stopped
        inbox.close()
        let final = stats.snapshot
        logger.notice("stopped: \(final.fates.summary); committed_rows=\(final.rowsCommitted) batches=\(final.batchesCommitted) alerts_raised=\(final.alertsRaised) alerts_cleared=\(final.alertsCleared) windows_published=\(final.windowsPublished) late_readings=\(final.lateReadings)")
        guard writer.abandonedBatches > 0 else { return 0 }
        if inbox.isDurable {
            logger.notice("what the database did not take before the stop deadline stays in the journal; it is written at the next start",
                          metadata: ["backlog_messages": "\(inbox.backlog.messages)"])
            return 0
        }
        return 1
    }

    /// The HTTP endpoint, when `http.listen` is not off: started first, so that it answers
    /// while the migrations wait for the database.
    private func startEndpoint(queues: HTTPEndpoint.Queues) async throws -> HTTPEndpoint? {
        guard let listen = config.http.listen else { return nil }
        let sources = HTTPEndpoint.Sources(stats: stats, health: health, metrics: metrics, queues: queues)
        let endpoint = try HTTPEndpoint(listen: listen, sources: sources, stuckAfter: notifier.watchdogInterval ?? .seconds(30))
        let address = try await endpoint.start()
        logger.notice("HTTP endpoint listening on http://\(address): /metrics, /healthz, /readyz")
        return endpoint
    }

    /// The journal, replayed from where the last run left off; or memory when it is off.
    private func openInbox() throws -> any Inbox {
        guard config.journal.enabled else {
            logger.warning("journal off (journal.enabled: false): a crash loses the messages held in memory")
            return MemoryInbox(capacity: config.mqtt.queueCapacity, maxBytes: 64 << 20)
        }
        var options = Journal.Options(directory: config.journal.directory)
        options.segmentBytes = config.journal.segmentBytes
        options.maxBytes = config.journal.maxBytes
        options.sync = config.journal.sync
        options.onFailure = { [health] reason in health.journalFailed(reason) }
        let journal = try Journal(options, logger: logger.labelled("ingestd.journal"))
        let r = journal.recovery
        stats.journalDamaged(records: r.damagedRanges, bytes: r.damagedBytes)
        logger.notice(r.replay > 0 ? "journal: replaying \(r.replay) messages from \(r.segments) segments before new ones"
                                   : "journal: nothing to replay",
                      metadata: ["path": "\(config.journal.directory)", "cut_records": "\(r.cutRecords.count)",
                                 "damaged_bytes": "\(r.damagedBytes)"])
        return journal
    }

    /// What the alert engine knew before this start (`AlertState`), retrying while the
    /// database is unreachable; nothing to load without rules. Nil if stopped meanwhile.
    private func alertStateRetrying(stop: StopSignals) throws -> AlertState? {
        guard !config.alertRules.isEmpty else { return AlertState() }
        return try retryingWhileUnreachable(stop: stop, waiting: "cannot rebuild the alert state yet; ") {
            let state = try AlertState.load(from: try DatabaseLogin.daemon(config.database).connect(), rules: config.alertRules, maxSeries: config.analytics.maxSeries)
            logger.notice("alert state rebuilt from the database", metadata: [
                "open_alerts": "\(state.open.count)", "devices_last_seen": "\(state.lastSeen.count)", "rules": "\(config.alertRules.count)"])
            return state
        }
    }

    /// Looks at the role the daemon connects as (`DaemonRole`) and warns when it is the
    /// tables' owner, a superuser, or not a writer. On the first connection of the rollup
    /// refresher, the one the daemon makes at start on either layout, retrying in the
    /// background while the database is unreachable.
    private func checkRole(_ connection: PostgresConnection) {
        do {
            if let warning = try DaemonRole.inspect(connection).warning { logger.warning("\(warning)") }
        } catch {
            logger.debug("the daemon's database role could not be looked at: \(error)")
        }
    }

    /// Applies migrations, retrying while the database is unreachable. False if stopped
    /// meanwhile (SIGTERM or SIGINT before the services start).
    private func migrateRetrying(stop: StopSignals) throws -> Bool {
        let report = try retryingWhileUnreachable(stop: stop) {
            try Migrator(connection: try DatabaseLogin.owner(config.database).connect(), storage: config.storage,
                         logger: logger.labelled("ingestd.migrate")).migrate()
        }
        guard let report else { return false }
        logger.notice("schema ready", metadata: ["layout": "\(report.layout.rawValue)", "version": "\(report.current)",
                                                 "applied": "\(report.applied)"])
        return true
    }

    /// Runs `body` until it succeeds, retrying with backoff (`writer.retry_min` to
    /// `retry_max`) while the database is unreachable; any other error is thrown. Nil if a
    /// stop signal came meanwhile.
    private func retryingWhileUnreachable<T>(stop: StopSignals, waiting: String = "", _ body: () throws -> T) throws -> T? {
        var delay = config.writer.retryMin
        while true {
            do {
                let result = try body()
                health.databaseReached()
                return result
            } catch let error as PostgresError where error.isConnectionLoss {
                health.databaseFailed("\(error)")
                logger.warning("database unreachable, \(waiting)retrying in \(delay): \(error)")
                if stop.wait(until: .now() + .milliseconds(Int(delay.wholeMilliseconds))) { return nil }
                delay = min(delay * 2, config.writer.retryMax)
            }
        }
    }
}

extension Logger {
    /// A logger with the same level under another label.
    func labelled(_ label: String) -> Logger {
        var l = Logger(label: label)
        l.logLevel = logLevel
        return l
    }
}
