import IngestCore
import Logging
import Mosquitto
import ServiceLifecycle
import Synchronization

/// The MQTT side: one client on a persistent session, subscribed at QoS 1 to every route's
/// filter (as a member of `mqtt.shared_group` when set). Each message is stamped (receipt
/// time, sequence number) and put into the inbox — the journal — before its PUBACK goes out;
/// a payload over the bound is kept as its first bytes and its size, never copied whole.
/// The session ends last, after the writer (`SessionCloser`): retained `offline` status, a
/// clean DISCONNECT; a message that can no longer be kept then is refused (the connection
/// dropped unacknowledged), so the broker delivers it again next time.
final class IngressService: Service, Sendable {
    private let config: IngestConfig
    private let url: MQTTURL
    private let inbox: any Inbox
    private let publisher: Publisher
    private let health: Health
    private let stats: RuntimeStats
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let receipts: Mutex<ReceiptClock>
    private let connected = Atomic(false)
    /// SUBACKs still awaited on this connection, and whether every filter was ever acknowledged.
    private let subscriptions = Mutex<(pending: Set<Int32>, acknowledged: Bool)>(([], false))
    private let onSubscribed: @Sendable () -> Void
    /// What a SIGHUP may change: the filters subscribed to and the payload bound.
    private let filters: Mutex<[String]>
    private let maxPayload: Atomic<Int>
    private let keptOfLarge: Atomic<Int>

    /// `onSubscribed` is called once, when the broker first acknowledged every subscription.
    init(config: IngestConfig, url: MQTTURL, inbox: any Inbox, publisher: Publisher, health: Health, stats: RuntimeStats,
         notifier: SystemdNotifier, logger: Logger, onSubscribed: @escaping @Sendable () -> Void = {}) {
        self.config = config
        self.url = url
        self.inbox = inbox
        self.publisher = publisher
        self.health = health
        self.stats = stats
        self.notifier = notifier
        self.logger = logger
        self.onSubscribed = onSubscribed
        receipts = Mutex(ReceiptClock(next: inbox.resume.sequence, notBefore: inbox.resume.receivedAt))
        filters = Mutex(Router(routes: config.routes).subscriptionFilters(sharedGroup: config.mqtt.sharedGroup))
        maxPayload = Atomic(config.limits.maxPayloadBytes)
        keptOfLarge = Atomic(config.limits.deadLetterPayloadBytes)
    }

    /// Takes over the routes' filters (subscribing to new ones, unsubscribing from dropped
    /// ones) and the payload bound of a reloaded config.
    func reload(_ config: IngestConfig) {
        maxPayload.store(config.limits.maxPayloadBytes, ordering: .relaxed)
        keptOfLarge.store(config.limits.deadLetterPayloadBytes, ordering: .relaxed)
        let new = Router(routes: config.routes).subscriptionFilters(sharedGroup: self.config.mqtt.sharedGroup)
        let old = filters.withLock { f in defer { f = new }; return f }
        guard new != old, isConnected else { return }
        guard let mqtt = publisher.attached else { return }
        mqtt.onLoop { [self] in reloadSubscriptions(mqtt, old: old, new: new) }
    }

    /// On the network thread: subscribes to a filter at QoS 1; its SUBACK is then awaited.
    private func subscribe(_ filter: String, on client: MQTTClient) {
        do {
            let mid = try client.subscribe(filter, qos: 1)
            subscriptions.withLock { _ = $0.pending.insert(mid) }
        } catch {
            logger.error("subscribe failed: \(error)")
        }
    }

    /// On the network thread: subscribes to the new filters and unsubscribes from dropped ones.
    private func reloadSubscriptions(_ client: MQTTClient, old: [String], new: [String]) {
        for filter in new where !old.contains(filter) { subscribe(filter, on: client) }
        for filter in old where !new.contains(filter) {
            do {
                try client.unsubscribe(filter)
                logger.info("unsubscribed", metadata: ["filter": "\(filter)"])
            } catch {
                logger.error("unsubscribe failed: \(error)")
            }
        }
    }

    var isConnected: Bool { connected.load(ordering: .relaxed) }

    /// Connects and consumes until graceful shutdown. With the journal, the session stays up
    /// until `SessionCloser` ends it after the writer: messages that arrive meanwhile are kept
    /// in the journal for the next start (the pipeline no longer takes), and — what this is
    /// for — the dead letters and state changes of the last batches are still published (their
    /// QoS 1 acknowledgements must be read, so reading cannot simply stop). Without the
    /// journal nothing could keep them: the session ends at once.
    func run() async throws {
        let mqtt = try MQTTClient(options: options(), handlers: handlers())
        publisher.attach(mqtt)
        mqtt.start()
        try? await gracefulShutdown()
        if !inbox.isDurable { await closeSession() }
    }

    /// The end of the session, after everything was written and published: retained
    /// `offline` status, a clean DISCONNECT, the network loop stopped.
    func closeSession() async {
        guard let mqtt = publisher.attached else { return }
        let wasConnected = isConnected
        if wasConnected { publisher.publish(status("offline")) }
        await offThread("ingestd-mqtt-stop") { [inbox, publisher, logger] in
            if wasConnected {
                let left = publisher.waitForAcknowledgements(timeout: .seconds(2))
                if left > 0 { logger.warning("disconnecting with \(left) published messages not acknowledged by the broker") }
            }
            mqtt.disconnect()
            let ended = mqtt.waitForLoopEnd(timeout: .seconds(1))
            inbox.closeIntake()
            mqtt.stop(force: !ended || !wasConnected)
        }
        publisher.attach(nil)
    }

    /// Started first and so stopped last: closes the MQTT session after the writer finished.
    struct SessionCloser: Service {
        let ingress: IngressService

        func run() async throws {
            try? await gracefulShutdown()
            await ingress.closeSession()
        }
    }

    func status(_ state: String, counters: FateCounters? = nil, analytics: [String: Int] = [:]) -> OutboundMessage {
        publisher.topics.status(state, version: Daemon.version, clientID: config.mqtt.clientID, at: .now(), counters: counters,
                                analytics: analytics)
    }

    /// The client's options from the config; `Daemon` checks their TLS files before anything starts.
    static func options(_ config: IngestConfig, url: MQTTURL) -> MQTTClient.Options {
        var options = MQTTClient.Options(url: url, clientID: config.mqtt.clientID)
        options.cleanSession = config.mqtt.cleanSession
        options.username = config.mqtt.username
        options.password = config.mqtt.password
        options.caFile = config.mqtt.caFile
        options.certFile = config.mqtt.certFile
        options.keyFile = config.mqtt.keyFile
        return options
    }

    private func options() -> MQTTClient.Options {
        var options = Self.options(config, url: url)
        options.keepaliveSeconds = Int32(config.mqtt.keepaliveSeconds)
        options.reconnectDelayMin = UInt32(max(1, config.mqtt.reconnectMin.components.seconds))
        options.reconnectDelayMax = UInt32(max(1, config.mqtt.reconnectMax.components.seconds))
        let will = status("offline")
        options.will = MQTTMessage(topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain)
        return options
    }

    private func handlers() -> MQTTClient.Handlers {
        var handlers = MQTTClient.Handlers()
        handlers.onMessage = { [self] m in
            let (receivedAt, sequence) = receipts.withLock { $0.stamp(wall: .now()) }
            // Over the bound: only what its dead letter keeps, and its real size.
            let kept = m.payload.count > maxPayload.load(ordering: .relaxed)
                ? UnsafeRawBufferPointer(rebasing: m.payload.prefix(keptOfLarge.load(ordering: .relaxed))) : m.payload
            let ok = inbox.put(topic: m.topic, payload: kept, size: m.payload.count, receivedAt: receivedAt, sequence: sequence)
            return ok ? .accepted : .refused
        }
        handlers.onConnectFailed = { [self] reason, retryIn in
            // Every failed attempt, with its reason: a typo in mqtt.url must not look like an idle daemon.
            stats.mqttConnectFailed()
            health.brokerDown(reason)
            logger.warning("cannot connect to the broker: \(reason); next attempt in \(retryIn)",
                           metadata: ["broker": "\(url)", "client_id": "\(config.mqtt.clientID)"])
            notifier.notify("STATUS=waiting for the broker \(url): \(reason); next attempt in \(retryIn)")
        }
        handlers.onConnect = { [self] rc in
            guard rc == 0 else { return }  // reported by onConnectFailed, with the next attempt's delay
            connected.store(true, ordering: .relaxed)
            stats.mqttConnected()
            health.brokerConnected()
            logger.info("connected", metadata: ["broker": "\(url)", "client_id": "\(config.mqtt.clientID)"])
            if let client = publisher.attached {
                for filter in filters.withLock({ $0 }) { subscribe(filter, on: client) }
            }
            publisher.reconnected()  // retained state and alerts dropped while it was away
            publisher.publish(status("online"))
        }
        handlers.onSubscribe = { [self] mid, granted in
            if granted.contains(128) {
                logger.error("the broker refused a subscription (is the ACL letting ingestd read its topics?)",
                             metadata: ["filters": "\(filters.withLock { $0 })"])
                return
            }
            let (complete, first) = subscriptions.withLock { s -> (Bool, Bool) in
                guard s.pending.remove(mid) != nil, s.pending.isEmpty else { return (false, false) }
                defer { s.acknowledged = true }
                return (true, !s.acknowledged)
            }
            guard complete else { return }
            health.brokerSubscribed()
            logger.info("subscribed", metadata: ["filters": "\(filters.withLock { $0 }.joined(separator: " "))", "qos": "\(granted.first ?? 1)"])
            if first { onSubscribed() }
        }
        handlers.onPublish = { [publisher] mid in publisher.acknowledged(mid) }
        handlers.onLibraryLog = { [logger, url] line in
            // libmosquitto's own reason, e.g. "OpenSSL Error[0]: …:certificate verify failed".
            logger.warning("broker connection: \(line)", metadata: ["broker": "\(url)"])
        }
        handlers.onDisconnect = { [self] rc in
            let was = connected.exchange(false, ordering: .relaxed)
            subscriptions.withLock { $0.pending = [] }
            guard rc != 0, was else { return }
            let reason = "connection to the broker lost: \(MQTTClient.errorText(rc))"
            stats.mqttConnectionLost()
            health.brokerDown(reason)
            logger.warning("\(reason); next attempt in \(config.mqtt.reconnectMin)", metadata: ["broker": "\(url)", "code": "\(rc)"])
        }
        return handlers
    }
}
