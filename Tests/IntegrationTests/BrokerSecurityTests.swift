import Foundation
import PostgresClient
import Testing

/// ingestd against the private broker's TLS listener and its password listener.
extension StackTests {
@Suite struct BrokerSecurityTests {
    enum Listener: String, CaseIterable, Sendable {
        case tls, password
    }

    /// Starts ingestd with `url` and extra mqtt keys, publishes one reading on the plain
    /// listener of the same broker, and returns how many rows arrived and ingestd's log.
    func deliverOneReading(url: String, mqttExtra: [String], label: String, awaiting: String = "subscribed") throws -> (rows: Int, log: String, exit: Int32?) {
        let root = TestStack.uniqueTopicRoot(label)
        let dbURL = try TestStack.freshDatabase(label)
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, mqttURL: url, mqttExtra: mqttExtra)
        let daemon = try ChildProcess(TestStack.binary("ingestd"), ["run", "--config", config], label: "ingestd")
        let subscribed = daemon.waitForOutput(awaiting, timeout: 15) && awaiting == "subscribed"
        let publisher = try MQTTListener(filter: "\(root)/unused")
        try publisher.publish(topic: "\(root)/s1/l1/sensor/dev1/temp", payload: "{\"value\": 21.5}")
        var rows = 0
        let deadline = Date().addingTimeInterval(subscribed ? 15 : 3)
        while rows == 0 && Date() < deadline {
            usleep(200_000)
            rows = Int(try PostgresConnection(dbURL).execute("SELECT count(*) FROM sensor_readings").value(0, 0) ?? "0") ?? 0
        }
        return (rows, daemon.output, daemon.terminate())
    }

    @Test("ingestd consumes over mqtts:// with the broker's CA, and over a password listener with a password file",
          arguments: Listener.allCases)
    func consumesOverASecuredListener(listener: Listener) throws {
        let env = TestStack.environment
        let result: (rows: Int, log: String, exit: Int32?)
        switch listener {
        case .tls:
            guard let url = env["INGESTD_MQTTS_URL"], let ca = env["INGESTD_MQTT_CA_FILE"] else { throw TestStack.NotConfigured() }
            result = try deliverOneReading(url: url, mqttExtra: ["ca_file: \(ca)"], label: "tls")
        case .password:
            guard let url = env["INGESTD_MQTT_AUTH_URL"] else { throw TestStack.NotConfigured() }
            let secret = try TestStack.secretFile("ingestd-secret\n")
            result = try deliverOneReading(url: url, mqttExtra: ["username: ingestd", "password_file: \(secret)"], label: "auth")
        }
        #expect(result.rows == 1, "ingestd log:\n\(result.log)")
        #expect(result.exit == 0)
    }

    @Test("a wrong password is reported as the broker refusing, and ingestd keeps retrying until stopped")
    func wrongPasswordIsReported() throws {
        guard let url = TestStack.environment["INGESTD_MQTT_AUTH_URL"] else { throw TestStack.NotConfigured() }
        let secret = try TestStack.secretFile("not-the-password")
        let result = try deliverOneReading(url: url, mqttExtra: ["username: ingestd", "password_file: \(secret)"], label: "badauth",
                                       awaiting: "broker refused the connection")
        #expect(result.rows == 0)
        #expect(result.log.contains("broker refused the connection"), "ingestd log:\n\(result.log)")
        // Backoff between attempts (1 s, 2 s, …): a handful of refusals in these seconds, not a storm.
        let refusals = result.log.components(separatedBy: "broker refused the connection").count - 1
        #expect(refusals <= 4, "\(refusals) refusals: ingestd is not backing off")
        #expect(result.exit == 0)
    }
}
}
