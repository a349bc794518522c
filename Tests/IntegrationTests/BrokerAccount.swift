import Foundation
import Mosquitto

/// A client of the broker that runs the shipped config/mosquitto.conf and config/mosquitto-acl
/// (`INGESTD_MQTT_ACL_URL`), logged in as one of the stack's test users (each one's password
/// is its name followed by `-secret`). It keeps what arrives on its subscription and
/// publishes at QoS 1 from the network thread.
final class BrokerAccount: @unchecked Sendable {
    private let lock = NSCondition()
    private var received: [(topic: String, payload: String)] = []
    private var connack: Int32?
    private var subscribed = false
    private let client: MQTTClient

    static var url: String {
        get throws {
            guard let url = TestStack.environment["INGESTD_MQTT_ACL_URL"] else { throw TestStack.NotConfigured() }
            return url
        }
    }

    /// Connects as `user` (with `clientID`, which the broker replaces by the user name) and
    /// subscribes to `filter`; waits up to 10 s for the broker's answer.
    init(_ user: String, clientID: String? = nil, subscribe filter: String? = nil) throws {
        var handlers = MQTTClient.Handlers()
        let box = WeakBox()
        handlers.onConnect = { rc in box.account?.connected(rc, filter) }
        handlers.onSubscribe = { _, _ in box.account?.subscriptionAcknowledged() }
        handlers.onMessage = { m in
            box.account?.add(m.copy())
            return .accepted
        }
        var options = MQTTClient.Options(url: try MQTTURL(parsing: try Self.url),
                                         clientID: clientID ?? "it-\(user)-\(UInt32.random(in: 0...UInt32.max))")
        options.cleanSession = true
        options.username = user
        options.password = "\(user)-secret"
        client = try MQTTClient(options: options, handlers: handlers)
        box.account = self
        client.start()
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date().addingTimeInterval(10)
        while (connack == nil || (filter != nil && connack == 0 && !subscribed)) && lock.wait(until: deadline) {}
    }

    deinit {
        client.disconnect()
        client.stop()
    }

    private final class WeakBox: @unchecked Sendable { weak var account: BrokerAccount? }

    /// The broker's CONNACK code: 0 accepted, 5 not authorised; nil if none came.
    var connectResult: Int32? {
        lock.lock(); defer { lock.unlock() }
        return connack
    }

    private func connected(_ rc: Int32, _ filter: String?) {
        if rc == 0, let filter { try? client.subscribe(filter, qos: 1) }
        lock.lock(); connack = rc; lock.broadcast(); lock.unlock()
    }

    private func subscriptionAcknowledged() {
        lock.lock(); subscribed = true; lock.broadcast(); lock.unlock()
    }

    private func add(_ m: MQTTMessage) {
        lock.lock()
        received.append((m.topic, String(decoding: m.payload, as: UTF8.self)))
        lock.broadcast()
        lock.unlock()
    }

    /// Publishes at QoS 1. The broker takes one client's messages in order, so a message
    /// published after refused ones reaches a subscriber after them, had they been let through.
    func publish(_ topic: String, _ payload: String) {
        client.send(MQTTMessage(topic: topic, payload: Array(payload.utf8), qos: 1, retain: false))
    }

    /// Every payload received, as `topic payload`.
    var messages: [String] {
        lock.lock(); defer { lock.unlock() }
        return received.map { "\($0.topic) \($0.payload)" }
    }

    /// Waits up to `timeout` seconds for a message with this payload; false if none came.
    func waitFor(payload: String, timeout: Double = 10) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while !received.contains(where: { $0.payload == payload }) && lock.wait(until: deadline) {}
        return received.contains { $0.payload == payload }
    }
}
