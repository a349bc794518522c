import Foundation
import Mosquitto
import Testing

/// What ingress relies on when the journal cannot write (or intake is closed): a message the
/// callback refuses is never acknowledged, so the broker keeps it and delivers it again on
/// the session's next connection. libmosquitto queues the PUBACK of a QoS 1 message before it
/// calls back; the client's own network loop writes it only after `.accepted`, and leaves
/// the connection without writing it after `.refused`.
extension StackTests {
@Suite struct RefusedMessageTests {
    /// What a client received, and the client itself for the connect handler to subscribe with.
    final class Session: @unchecked Sendable {  // guarded by `lock`
        private let lock = NSLock()
        private var payloads: [String] = []
        var client: MQTTClient?
        func add(_ payload: String) { lock.withLock { payloads.append(payload) } }
        var received: [String] { lock.withLock { payloads } }

        func waitFor(_ count: Int, timeout: Double = 20) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while received.count < count && Date() < deadline { usleep(20_000) }
            return received.count >= count
        }
    }

    func connect(_ url: MQTTURL, clientID: String, filter: String, _ session: Session, refuse: Bool) throws -> MQTTClient {
        var handlers = MQTTClient.Handlers()
        handlers.onConnect = { [weak session] rc in
            if rc == 0 { _ = try? session?.client?.subscribe(filter, qos: 1) }
        }
        handlers.onMessage = { [weak session] m in
            session?.add(String(decoding: m.copy().payload, as: UTF8.self))
            return refuse ? .refused : .accepted
        }
        var options = MQTTClient.Options(url: url, clientID: clientID)
        options.cleanSession = false
        let client = try MQTTClient(options: options, handlers: handlers)
        session.client = client
        client.start()
        return client
    }

    @Test("a message the callback refuses is not acknowledged: the broker delivers it again on the session's next connection")
    func aRefusedMessageStaysAtTheBroker() throws {
        guard let raw = TestStack.mqttURL else { throw TestStack.NotConfigured() }
        let url = try MQTTURL(parsing: raw)
        let root = TestStack.uniqueTopicRoot("refusedmsg")
        let clientID = "it-refuse-\(UInt32.random(in: 0...UInt32.max))"
        let first = Session()
        var refusing: MQTTClient? = try connect(url, clientID: clientID, filter: "\(root)/#", first, refuse: true)
        usleep(500_000)  // connected and subscribed
        let publisher = try MQTTListener(filter: "\(root)/unused")
        try publisher.publish(topic: "\(root)/x", payload: "kept at the broker")
        #expect(first.waitFor(1), "the first connection never got the message")
        // The refusing client ends as ingress's does (no DISCONNECT, no PUBACK written).
        refusing?.stop(force: true)
        refusing = nil
        first.client = nil
        usleep(300_000)

        let second = Session()
        let accepting = try connect(url, clientID: clientID, filter: "\(root)/#", second, refuse: false)
        defer {
            accepting.disconnect()
            accepting.stop()
        }
        #expect(second.waitFor(1), "the broker did not deliver the refused message again")
        #expect(second.received.first == "kept at the broker")
        #expect(first.received == ["kept at the broker"], "refused once, delivered once to the first connection")
    }
}
}
