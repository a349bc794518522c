import IngestCore
import Logging
import Mosquitto
import Synchronization

/// Owns every message ingestd publishes: status, dead letters, current equipment state (and
/// later alerts and aggregates). Messages are encoded in IngestCore (`OutboundTopics`); this
/// only hands them to the MQTT client, once there is one.
public final class Publisher: Sendable {
    let topics: OutboundTopics
    private let client = Mutex<MQTTClient?>(nil)
    private let logger: Logger

    init(topics: OutboundTopics, logger: Logger) {
        self.topics = topics
        self.logger = logger
    }

    /// The client to publish through; nil once it is stopped.
    func attach(_ mqtt: MQTTClient?) { client.withLock { $0 = mqtt } }

    /// Runs `body` with the client, if there is one (subscriptions go through it too).
    func withClient(_ body: (MQTTClient) -> Void) {
        if let mqtt = client.withLock({ $0 }) { body(mqtt) }
    }

    /// Publishes, or logs why not. A QoS 1 message while the broker is away is queued by
    /// libmosquitto and sent after the reconnect.
    func publish(_ message: OutboundMessage) {
        guard let mqtt = client.withLock({ $0 }) else {
            logger.debug("not published, the MQTT client is stopped", metadata: ["topic": "\(message.topic)"])
            return
        }
        do {
            _ = try mqtt.publish(topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain)
        } catch {
            logger.warning("publish failed: \(error)", metadata: ["topic": "\(message.topic)"])
        }
    }
}
