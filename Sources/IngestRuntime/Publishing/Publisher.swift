import IngestCore
import Logging
import Mosquitto
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Owns every message ingestd publishes: status, dead letters, current equipment state (and
/// later alerts and aggregates). Messages are encoded in IngestCore (`OutboundTopics`); this
/// only hands them to the MQTT client, once there is one.
public final class Publisher: Sendable {
    let topics: OutboundTopics
    private let client = Mutex<MQTTClient?>(nil)
    private let logger: Logger
    /// QoS 1 messages the broker has not acknowledged yet, by message id; acknowledgements
    /// that arrived before `publish` returned the id wait in `early`.
    private let unacknowledged = Mutex<(queued: Int, pending: Set<Int32>, early: Set<Int32>)>((0, [], []))

    init(topics: OutboundTopics, logger: Logger) {
        self.topics = topics
        self.logger = logger
    }

    /// The client to publish through; nil once it is stopped.
    func attach(_ mqtt: MQTTClient?) { client.withLock { $0 = mqtt } }

    /// The client publishes go through (subscriptions too), if there is one.
    var attached: MQTTClient? { client.withLock { $0 } }

    /// Publishes from the network thread (`MQTTClient.send`), or logs why not. A QoS 1
    /// message while the broker is away is queued by libmosquitto and sent after the reconnect.
    func publish(_ message: OutboundMessage) {
        guard let mqtt = attached else {
            logger.debug("not published, the MQTT client is stopped", metadata: ["topic": "\(message.topic)"])
            return
        }
        let qos = message.qos
        if qos > 0 { unacknowledged.withLock { $0.queued += 1 } }
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

    /// The broker acknowledged the QoS 1 message `mid` (PUBACK).
    func acknowledged(_ mid: Int32) {
        unacknowledged.withLock { u in
            if u.pending.remove(mid) == nil { u.early.insert(mid) }
        }
    }

    /// Waits until the broker acknowledged every QoS 1 message published so far, or `timeout`
    /// passes; the count still unacknowledged. Before a DISCONNECT: libmosquitto sends at most
    /// its in-flight window ahead of the acknowledgements, and a DISCONNECT drops the rest.
    func waitForAcknowledgements(timeout: Duration) -> Int {
        let deadline = ContinuousClock.now + timeout
        var left = unacknowledged.withLock { $0.queued + $0.pending.count }
        while left > 0 && ContinuousClock.now < deadline {
            usleep(10_000)
            left = unacknowledged.withLock { $0.queued + $0.pending.count }
        }
        return left
    }
}
