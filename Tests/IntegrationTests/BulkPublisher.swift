import Foundation
import Mosquitto

/// Publishes many QoS 1 messages fast with a bounded window: at most `window` wait for their
/// PUBACK, so neither this client nor the broker queues without bound. Sends go through the
/// client's network thread (`MQTTClient.send`).
final class BulkPublisher: @unchecked Sendable {
    private let client: MQTTClient
    private let window: DispatchSemaphore
    private let windowSize: Int
    private let connected = DispatchSemaphore(value: 0)

    init(window size: Int = 2_000, maxInflight: UInt32 = 1_000) throws {
        guard let url = TestStack.mqttURL else { throw TestStack.NotConfigured() }
        let window = DispatchSemaphore(value: size)
        self.window = window
        windowSize = size
        var handlers = MQTTClient.Handlers()
        let connected = self.connected
        handlers.onConnect = { rc in if rc == 0 { connected.signal() } }
        handlers.onPublish = { _ in window.signal() }
        var options = MQTTClient.Options(url: try MQTTURL(parsing: url), clientID: "it-bulk-\(UInt32.random(in: 0...UInt32.max))")
        options.cleanSession = true
        options.maxInflight = maxInflight
        client = try MQTTClient(options: options, handlers: handlers)
        client.start()
        guard connected.wait(timeout: .now() + 10) == .success else { throw NotConnected() }
    }

    struct NotConnected: Error {}
    struct Stalled: Error, CustomStringConvertible {
        let sent: Int
        var description: String { "no PUBACK for 60 s after \(sent) messages" }
    }

    /// Publishes `count` messages, `message(i)` giving the i-th topic and payload; returns once
    /// the broker acknowledged all of them. Throws when acknowledgements stop for 60 s.
    func publish(count: Int, _ message: (Int) -> (topic: String, payload: String)) throws {
        for i in 0..<count {
            guard window.wait(timeout: .now() + 60) == .success else { throw Stalled(sent: i) }
            let (topic, payload) = message(i)
            client.send(MQTTMessage(topic: topic, payload: Array(payload.utf8), qos: 1, retain: false))
        }
        for _ in 0..<windowSize {
            guard window.wait(timeout: .now() + 60) == .success else { throw Stalled(sent: count) }
        }
        for _ in 0..<windowSize { window.signal() }
    }

    deinit {
        client.disconnect()
        client.stop()
    }
}
