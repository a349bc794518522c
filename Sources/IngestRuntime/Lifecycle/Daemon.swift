import Dispatch
import IngestCore
import Logging
import Mosquitto
import PostgresClient
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// `ingestd run`: migrates (when configured), then runs the services in one `ServiceGroup`
/// until SIGTERM or SIGINT (`StopSignals`). Start order: writer, pipeline, MQTT ingress, progress reporter;
/// shutdown in reverse: stop reporting, stop consuming (offline status, DISCONNECT), drain the
/// pipeline into its last batch, flush and commit every batch.
public final class Daemon: Sendable {
    public static let version = "0.2.0"

    private let config: IngestConfig
    private let logger: Logger
    private let notifier: SystemdNotifier
    public let stats = RuntimeStats()

    public init(config: IngestConfig, logger: Logger, environment: [String: String]) {
        self.config = config
        self.logger = logger
        notifier = SystemdNotifier(environment: environment)
    }

    /// Runs until a stop signal; returns the process's exit code.
    public func run() async throws -> Int32 {
        let url = try MQTTURL(parsing: config.mqtt.url)
        let stop = StopSignals()
        ignoreHangUp()
        if config.database.migrateOnStart {
            guard try migrateRetrying(stop: stop) else { return 0 }
        }

        let topics = OutboundTopics(prefix: config.publish.prefix)
        let publisher = Publisher(topics: topics, logger: logger.labelled("ingestd.publisher"))
        let publishDeadLetters = config.publish.deadLetters
        let writer = DatabaseWriter(config: config, logger: logger.labelled("ingestd.writer"), stats: stats) { batch, effects in
            // After the commit: what the world hears is what the database holds.
            if publishDeadLetters {
                for letter in batch.deadLetters { publisher.publish(topics.deadLetter(letter)) }
            }
            for effect in effects {
                switch effect {
                case .currentState(let change): publisher.publish(topics.currentState(change))
                }
            }
        }
        let pipeline = PipelineService(config: config, stats: stats, writer: writer)
        let ingress = IngressService(config: config, url: url, inbox: pipeline.inbox, publisher: publisher,
                                     logger: logger.labelled("ingestd.mqtt"))
        let reporter = ProgressReporter(stats: stats, inbox: pipeline.inbox, ingress: ingress, publisher: publisher,
                                        notifier: notifier, logger: logger)
        var lifecycleLogger = logger.labelled("ingestd.lifecycle")
        lifecycleLogger.logLevel = max(logger.logLevel, .notice)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [WriterService(writer: writer, stopTimeout: .seconds(20)), pipeline, ingress, reporter],
            logger: lifecycleLogger))
        stop.attach(group)

        notifier.notify("READY=1\nSTATUS=consuming from \(url)")
        logger.notice("ingestd \(Self.version) running", metadata: [
            "broker": "\(url)", "routes": "\(config.routes.count)", "batch_size": "\(config.writer.batchSize)",
            "method": "\(config.writer.method.rawValue)", "libmosquitto": "\(MQTTClient.libraryVersion)",
            "families": "\(Set(config.routes.map(\.family.rawValue)).sorted().joined(separator: ","))",
        ])
        try await group.run()
        withExtendedLifetime(stop) {}  // the signal sources live until the services have stopped
        let final = stats.snapshot
        logger.notice("stopped: \(final.fates.summary); committed_rows=\(final.rowsCommitted) batches=\(final.batchesCommitted)")
        return writer.abandonedRows > 0 ? 1 : 0
    }

    /// Applies migrations, retrying while the database is unreachable. False if stopped
    /// meanwhile (SIGTERM or SIGINT before the services start).
    private func migrateRetrying(stop: StopSignals) throws -> Bool {
        var delay = config.writer.retryMin
        while true {
            do {
                let connection = try PostgresConnection(config.database.url)
                let report = try Migrator(connection: connection, storage: config.storage, logger: logger.labelled("ingestd.migrate")).migrate()
                logger.notice("schema ready", metadata: ["layout": "\(report.layout.rawValue)", "version": "\(report.current)",
                                                         "applied": "\(report.applied)"])
                return true
            } catch let error as PostgresError where error.isConnectionLoss {
                logger.warning("database unreachable, retrying in \(delay): \(error)")
                if stop.wait(until: .now() + .milliseconds(Int(delay.wholeMilliseconds))) { return false }
                delay = min(delay * 2, config.writer.retryMax)
            }
        }
    }

    /// SIGHUP's default action would kill the daemon; until reloading exists it is logged and ignored.
    private func ignoreHangUp() {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { [logger] in logger.notice("SIGHUP ignored: reloading routes and rules is not supported yet") }
        source.resume()
        Daemon.hangUpSource = source
    }

    /// Kept alive for the life of the process.
    nonisolated(unsafe) private static var hangUpSource: DispatchSourceSignal?
}

extension Logger {
    /// A logger with the same level under another label.
    func labelled(_ label: String) -> Logger {
        var l = Logger(label: label)
        l.logLevel = logLevel
        return l
    }
}
