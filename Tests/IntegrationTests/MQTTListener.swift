import Foundation
import Mosquitto

/// A real MQTT client for the tests: subscribes to a filter and keeps what arrives; also
/// publishes at QoS 1.
final class MQTTListener: @unchecked Sendable {
    private let lock = NSCondition()
    private var received: [(topic: String, payload: String)] = []
    private var subscribed = false
    private let client: MQTTClient

    init(filter: String) throws {
        guard let url = TestStack.mqttURL else { throw TestStack.NotConfigured() }
        var handlers = MQTTClient.Handlers()
        let box = WeakBox()
        handlers.onConnect = { _ in box.listener?.connected(filter) }
        handlers.onMessage = { m in
            box.listener?.add(m.copy())
            return .accepted
        }
        var options = MQTTClient.Options(url: try MQTTURL(parsing: url), clientID: "it-listener-\(UInt32.random(in: 0...UInt32.max))")
        options.cleanSession = true
        client = try MQTTClient(options: options, handlers: handlers)
        box.listener = self
        client.start()
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date().addingTimeInterval(10)
        while !subscribed && lock.wait(until: deadline) {}
        usleep(200_000)  // let the SUBACK arrive
    }

    deinit {
        client.disconnect()
        client.stop()
    }

    private final class WeakBox: @unchecked Sendable { weak var listener: MQTTListener? }

    private func connected(_ filter: String) {
        try? client.subscribe(filter, qos: 1)
        lock.lock(); subscribed = true; lock.broadcast(); lock.unlock()
    }

    private func add(_ m: MQTTMessage) {
        lock.lock()
        received.append((m.topic, String(decoding: m.payload, as: UTF8.self)))
        lock.broadcast()
        lock.unlock()
    }

    func publish(topic: String, payload: String, retain: Bool = false) throws {
        try client.publish(topic: topic, payload: Array(payload.utf8), qos: 1, retain: retain)
    }

    /// Publishes bytes as they are: payloads that are not UTF-8 text.
    func publish(topic: String, bytes: [UInt8]) throws {
        try client.publish(topic: topic, payload: bytes, qos: 1)
    }

    func messages(onTopicPrefix prefix: String) -> [String] {
        lock.lock(); defer { lock.unlock() }
        return received.filter { $0.topic.hasPrefix(prefix) }.map(\.payload)
    }

    func count(onTopicPrefix prefix: String) -> Int { messages(onTopicPrefix: prefix).count }

    /// Waits until `count` messages arrived under the prefix; false on timeout.
    func waitFor(count: Int, onTopicPrefix prefix: String, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if self.count(onTopicPrefix: prefix) >= count { return true }
            usleep(50_000)
        }
        return self.count(onTopicPrefix: prefix) >= count
    }
}
