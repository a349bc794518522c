import Dispatch
import IngestCore
import Logging
import Mosquitto
import PostgresClient
#if canImport(Glibc)
import Glibc
#endif

/// `ingestd run`: migrates (when configured), then runs MQTT ingress → pipeline → writer
/// until SIGTERM or SIGINT, and then drains: stop consuming, flush every batch, commit,
/// disconnect cleanly.
public final class Daemon: @unchecked Sendable {
    public static let version = "0.1.0"

    private let config: IngestConfig
    private let logger: Logger
    private let notifier: SystemdNotifier
    public let stats = RuntimeStats()
    private let stopSignal = DispatchSemaphore(value: 0)
    private let connected = Locked(false)

    public init(config: IngestConfig, logger: Logger, environment: [String: String]) {
        self.config = config
        self.logger = logger
        notifier = SystemdNotifier(environment: environment)
    }

    /// Runs until a stop signal; returns the process's exit code.
    public func run() throws -> Int32 {
        let url = try MQTTURL(parsing: config.mqtt.url)
        let signals = installSignalHandlers()
        defer { signals.forEach { $0.cancel() } }

        if config.database.migrateOnStart {
            guard try migrateRetrying() else { return 0 }
        }

        let prefix = config.publish.prefix
        // Set once the client exists; the writer and the connect handler publish through it.
        let client = Locked<MQTTClient?>(nil)
        let writer = DatabaseWriter(config: config, logger: logger.labelled("ingestd.writer"), stats: stats) { [weak self] batch in
            guard let self, let client = client.current, self.config.publish.deadLetters else { return }
            for letter in batch.deadLetters {
                _ = try? client.publish(topic: "\(prefix)deadletter/\(letter.family)", payload: Array(letter.json.utf8), qos: 1)
            }
        }
        let pipeline = PipelineService(config: config, stats: stats, writer: writer)
        writer.start()
        pipeline.start()

        var options = MQTTClient.Options(url: url, clientID: config.mqtt.clientID)
        options.cleanSession = config.mqtt.cleanSession
        options.username = config.mqtt.username
        options.password = config.mqtt.password
        options.caFile = config.mqtt.caFile
        options.keepaliveSeconds = Int32(config.mqtt.keepaliveSeconds)
        options.reconnectDelayMin = UInt32(max(1, config.mqtt.reconnectMin.components.seconds))
        options.reconnectDelayMax = UInt32(max(1, config.mqtt.reconnectMax.components.seconds))
        options.will = MQTTMessage(topic: "\(prefix)status", payload: Array(statusJSON("offline").utf8), qos: 1, retain: true)

        let mqttLog = logger.labelled("ingestd.mqtt")
        let filters = Router(routes: config.routes).subscriptionFilters
        var handlers = MQTTClient.Handlers()
        handlers.onMessage = { [pipeline] m in
            pipeline.inbox.push(InboundMessage(topic: m.topic, payload: m.payload, receivedAt: .now()))
        }
        handlers.onConnect = { [weak self] rc in
            guard let self else { return }
            guard rc == 0 else {
                mqttLog.error("broker refused the connection", metadata: ["code": "\(rc)", "broker": "\(url)"])
                return
            }
            connected.current = true
            mqttLog.info("connected", metadata: ["broker": "\(url)", "client_id": "\(config.mqtt.clientID)"])
            for filter in filters {
                do {
                    try client.current?.subscribe(filter, qos: 1)
                    mqttLog.info("subscribed", metadata: ["filter": "\(filter)", "qos": "1"])
                } catch {
                    mqttLog.error("subscribe failed: \(error)")
                }
            }
            _ = try? client.current?.publish(topic: "\(prefix)status", payload: Array(statusJSON("online").utf8), qos: 1, retain: true)
        }
        handlers.onDisconnect = { [weak self] rc in
            self?.connected.current = false
            if rc != 0 { mqttLog.warning("connection to the broker lost; reconnecting with backoff", metadata: ["code": "\(rc)"]) }
        }
        let mqtt = try MQTTClient(options: options, handlers: handlers)
        client.current = mqtt
        mqtt.start()
        notifier.notify("READY=1\nSTATUS=consuming from \(url)")
        logger.notice("ingestd \(Self.version) running", metadata: [
            "broker": "\(url)", "routes": "\(config.routes.count)", "batch_size": "\(config.writer.batchSize)",
            "method": "\(config.writer.method.rawValue)", "libmosquitto": "\(MQTTClient.libraryVersion)",
        ])

        var last = stats.snapshot
        while stopSignal.wait(timeout: .now() + 10) == .timedOut {
            let now = stats.snapshot
            if now.outcomes != last.outcomes || now.rowsCommitted != last.rowsCommitted {
                logger.info("progress: \(now.outcomes.summary) committed_rows=\(now.rowsCommitted) batches=\(now.batchesCommitted) inbox=\(pipeline.inbox.count)")
                notifier.notify("STATUS=\(now.rowsCommitted) readings committed")
            }
            last = now
        }

        logger.notice("stopping: no new messages; flushing every batch")
        notifier.notify("STOPPING=1")
        let wasConnected = connected.current
        if wasConnected {
            _ = try? mqtt.publish(topic: "\(prefix)status", payload: Array(statusJSON("offline").utf8), qos: 1, retain: true)
        }
        mqtt.disconnect()
        mqtt.stop(force: !wasConnected)
        pipeline.finish()
        writer.finish(timeout: .seconds(20))
        let final = stats.snapshot
        logger.notice("stopped: \(final.outcomes.summary) committed_rows=\(final.rowsCommitted) batches=\(final.batchesCommitted)")
        return writer.abandonedReadings > 0 ? 1 : 0
    }

    /// Applies migrations, retrying while the database is unreachable. False if stopped meanwhile.
    private func migrateRetrying() throws -> Bool {
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
                if stopSignal.wait(timeout: .now() + .milliseconds(Int(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000))) == .success {
                    return false
                }
                delay = min(delay * 2, config.writer.retryMax)
            }
        }
    }

    private func statusJSON(_ state: String) -> String {
        "{\"state\":\"\(state)\",\"version\":\"\(Self.version)\",\"client_id\":\(jsonString(config.mqtt.clientID)),\"at\":\"\(Timestamp.now())\"}"
    }

    private func installSignalHandlers() -> [DispatchSourceSignal] {
        [SIGTERM, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [stopSignal] in stopSignal.signal() }
            source.resume()
            return source
        }
    }
}

extension DeadLetter {
    /// The message published on `ingestd/deadletter/{family}`.
    var json: String {
        "{\"topic\":\(jsonString(topic)),\"family\":\(jsonString(family)),\"reason_code\":\(jsonString(reasonCode)),"
            + "\"reason\":\(jsonString(reason)),\"received_at\":\"\(receivedAt)\",\"payload_size\":\(payloadSize),"
            + "\"payload\":\(jsonString(String(decoding: payload, as: UTF8.self)))}"
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
