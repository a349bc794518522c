import IngestCore
import Logging
import Mosquitto
import ServiceLifecycle
import Synchronization

/// The MQTT side: one client on a persistent session, subscribed at QoS 1 to every route's
/// filter. Each message is stamped (receipt time, sequence number) and pushed into the
/// pipeline's inbox, blocking while it is full. On graceful shutdown it stops consuming
/// first: retained `offline` status, a clean DISCONNECT, the network loop stopped.
final class IngressService: Service, Sendable {
    private let config: IngestConfig
    private let url: MQTTURL
    private let inbox: BlockingQueue<InboundMessage>
    private let publisher: Publisher
    private let logger: Logger
    private let receipts = Mutex(ReceiptClock())
    private let connected = Atomic(false)

    init(config: IngestConfig, url: MQTTURL, inbox: BlockingQueue<InboundMessage>, publisher: Publisher, logger: Logger) {
        self.config = config
        self.url = url
        self.inbox = inbox
        self.publisher = publisher
        self.logger = logger
    }

    var isConnected: Bool { connected.load(ordering: .relaxed) }

    func run() async throws {
        let mqtt = try MQTTClient(options: options(), handlers: handlers())
        publisher.attach(mqtt)
        mqtt.start()
        try? await gracefulShutdown()
        let wasConnected = isConnected
        if wasConnected { publisher.publish(status("offline")) }
        await offThread("ingestd-mqtt-stop") {
            mqtt.disconnect()
            mqtt.stop(force: !wasConnected)
        }
        publisher.attach(nil)
    }

    func status(_ state: String, counters: FateCounters? = nil) -> OutboundMessage {
        publisher.topics.status(state, version: Daemon.version, clientID: config.mqtt.clientID, at: .now(), counters: counters)
    }

    private func options() -> MQTTClient.Options {
        var options = MQTTClient.Options(url: url, clientID: config.mqtt.clientID)
        options.cleanSession = config.mqtt.cleanSession
        options.username = config.mqtt.username
        options.password = config.mqtt.password
        options.caFile = config.mqtt.caFile
        options.keepaliveSeconds = Int32(config.mqtt.keepaliveSeconds)
        options.reconnectDelayMin = UInt32(max(1, config.mqtt.reconnectMin.components.seconds))
        options.reconnectDelayMax = UInt32(max(1, config.mqtt.reconnectMax.components.seconds))
        let will = status("offline")
        options.will = MQTTMessage(topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain)
        return options
    }

    private func handlers() -> MQTTClient.Handlers {
        let filters = Router(routes: config.routes).subscriptionFilters
        var handlers = MQTTClient.Handlers()
        handlers.onMessage = { [self] m in
            let (receivedAt, sequence) = receipts.withLock { $0.stamp(wall: .now()) }
            inbox.push(InboundMessage(topic: m.topic, payload: m.payload, receivedAt: receivedAt, sequence: sequence))
        }
        handlers.onConnect = { [self] rc in
            guard rc == 0 else {
                logger.error("broker refused the connection", metadata: ["code": "\(rc)", "broker": "\(url)"])
                return
            }
            connected.store(true, ordering: .relaxed)
            logger.info("connected", metadata: ["broker": "\(url)", "client_id": "\(config.mqtt.clientID)"])
            publisher.withClient { client in
                for filter in filters {
                    do {
                        try client.subscribe(filter, qos: 1)
                        logger.info("subscribed", metadata: ["filter": "\(filter)", "qos": "1"])
                    } catch {
                        logger.error("subscribe failed: \(error)")
                    }
                }
            }
            publisher.publish(status("online"))
        }
        handlers.onDisconnect = { [self] rc in
            connected.store(false, ordering: .relaxed)
            if rc != 0 { logger.warning("connection to the broker lost; reconnecting with backoff", metadata: ["code": "\(rc)"]) }
        }
        return handlers
    }
}
