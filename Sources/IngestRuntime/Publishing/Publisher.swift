import IngestCore
import Logging
import Mosquitto
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Owns every message ingestd publishes: status, dead letters, current equipment state,
/// alerts and window summaries. Messages are encoded in IngestCore (`OutboundTopics`); this
/// hands them to the MQTT client, once there is one, within `mqtt.max_outgoing_queue`
/// (`OutboundBacklog`): past it a message is dropped and counted, and a retained one is sent
/// again (its latest version) once there is room or the broker is back (`reconnected`).
public final class Publisher: Sendable {
    let topics: OutboundTopics
    private let client = Mutex<MQTTClient?>(nil)
    private let logger: Logger
    private let stats: RuntimeStats
    /// QoS 1 messages handed to the client and not yet given a message id (`queued`), and
    /// those the broker has not acknowledged yet, by message id; acknowledgements that
    /// arrived before `publish` returned the id wait in `early`. With the bound's decisions.
    private let unacknowledged: Mutex<Outgoing>

    struct Outgoing: Sendable {
        var queued = 0
        var pending: Set<Int32> = []
        var early: Set<Int32> = []
        var backlog: OutboundBacklog
        /// Drops are logged at most once a minute, with how many there were since the last line.
        var dropNotice = LogThrottle(every: .seconds(60))

        var outstanding: Int { queued + pending.count }
    }

    init(topics: OutboundTopics, maxQueue: Int = 100_000, stats: RuntimeStats = RuntimeStats(),
         logger: Logger) {
        self.topics = topics
        self.logger = logger
        self.stats = stats
        unacknowledged = Mutex(Outgoing(backlog: OutboundBacklog(capacity: maxQueue, prefix: topics.prefix)))
    }

    /// The client to publish through; nil once it is stopped.
    func attach(_ mqtt: MQTTClient?) { client.withLock { $0 = mqtt } }

    /// The client publishes go through (subscriptions too), if there is one.
    var attached: MQTTClient? { client.withLock { $0 } }

    /// QoS 1 messages waiting for the broker: handed to the client and not acknowledged.
    var outstanding: Int { unacknowledged.withLock { $0.outstanding } }

    /// Publishes from the network thread (`MQTTClient.send`), or logs why not. A QoS 1
    /// message while the broker is away is queued by libmosquitto and sent after the
    /// reconnect, as long as fewer than `mqtt.max_outgoing_queue` wait; past it it is dropped
    /// (counted in `RuntimeStats.outgoingDropped`; a retained one owed, see `OutboundBacklog`).
    func publish(_ message: OutboundMessage) {
        guard let mqtt = attached else {
            logger.debug("not published, the MQTT client is stopped", metadata: ["topic": "\(message.topic)"])
            return
        }
        let (admitted, waiting, kind, notice) = unacknowledged.withLock { u -> (Bool, Int, String, Int?) in
            let kind = u.backlog.kind(message.topic)
            guard u.backlog.offered(message, outstanding: u.outstanding) else {
                return (false, u.outstanding, kind, u.dropNotice.happened(now: .now))
            }
            if message.qos > 0 { u.queued += 1 }
            return (true, u.outstanding, kind, nil)
        }
        stats.outgoing(waiting: waiting)
        guard admitted else {
            stats.outgoingDropped(kind)
            if let notice {
                logger.warning("the broker is not taking what ingestd publishes: \(waiting) messages wait (mqtt.max_outgoing_queue), \(notice) dropped since the last notice (counted in ingestd_mqtt_outgoing_dropped_total); retained state and open alerts are published again once the broker takes them",
                               metadata: ["kind": "\(kind)", "topic": "\(message.topic)"])
            }
            return
        }
        send(message, via: mqtt)
    }

    /// Hands one admitted message to the client.
    private func send(_ message: OutboundMessage, via mqtt: MQTTClient) {
        let qos = message.qos
        mqtt.send(MQTTMessage(topic: message.topic, payload: message.payload, qos: qos, retain: message.retain)) { [self] result in
            switch result {
            case .success(let mid):
                guard qos > 0 else { return }
                unacknowledged.withLock { u in
                    u.queued -= 1
                    if u.early.remove(mid) == nil { u.pending.insert(mid) }
                }
            case .failure(let error):
                if qos > 0 { unacknowledged.withLock { $0.queued -= 1 } }
                logger.warning("publish failed: \(error)", metadata: ["topic": "\(message.topic)"])
            }
        }
    }

    /// Sends again what the bound owes (the latest retained message of each topic dropped),
    /// past the bound: there are at most `mqtt.max_outgoing_queue` of them.
    private func sendOwed(_ owed: [OutboundMessage]) {
        guard !owed.isEmpty, let mqtt = attached else { return }
        logger.notice("publishing again the latest of \(owed.count) retained messages dropped while the broker was not taking them")
        for message in owed {
            if message.qos > 0 { unacknowledged.withLock { $0.queued += 1 } }
            send(message, via: mqtt)
        }
    }

    /// The broker accepted a connection: the retained messages owed go out again (after
    /// what libmosquitto kept, which it sends again itself).
    func reconnected() {
        sendOwed(unacknowledged.withLock { $0.backlog.reconnected() })
    }

    /// The broker acknowledged the QoS 1 message `mid` (PUBACK).
    func acknowledged(_ mid: Int32) {
        let (owed, waiting) = unacknowledged.withLock { u -> ([OutboundMessage], Int) in
            if u.pending.remove(mid) == nil { u.early.insert(mid) }
            return (u.backlog.owedMessages(outstanding: u.outstanding), u.outstanding)
        }
        stats.outgoing(waiting: waiting)
        sendOwed(owed)
    }

    /// Waits until the broker acknowledged every QoS 1 message published so far, or `timeout`
    /// passes; the count still unacknowledged. Before a DISCONNECT: libmosquitto sends at most
    /// its in-flight window ahead of the acknowledgements, and a DISCONNECT drops the rest.
    func waitForAcknowledgements(timeout: Duration) -> Int {
        let deadline = ContinuousClock.now + timeout
        var left = unacknowledged.withLock { $0.outstanding }
        while left > 0 && ContinuousClock.now < deadline {
            usleep(10_000)
            left = unacknowledged.withLock { $0.outstanding }
        }
        return left
    }
}
