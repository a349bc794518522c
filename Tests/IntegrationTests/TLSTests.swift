import Foundation
import PostgresClient
import Testing

/// TLS both ways against the stack: the broker's listener that requires a client certificate
/// (`INGESTD_MQTTS_CERT_URL`) and PostgreSQL with `sslmode=verify-full` as `ingestd_tls`
/// (`INGESTD_TLS_DATABASE_URL`), with the certificates scripts/stack made.
extension StackTests {
@Suite struct TLSTests {
    struct Files {
        let certURL: String, ca: String, cert: String, key: String, otherCA: String, tlsDatabase: String

        init() throws {
            let env = TestStack.environment
            guard let certURL = env["INGESTD_MQTTS_CERT_URL"], let ca = env["INGESTD_MQTT_CA_FILE"],
                  let cert = env["INGESTD_MQTT_CLIENT_CERT"], let key = env["INGESTD_MQTT_CLIENT_KEY"],
                  let otherCA = env["INGESTD_OTHER_CA_FILE"], let tlsDatabase = env["INGESTD_TLS_DATABASE_URL"] else {
                throw TestStack.NotConfigured()
            }
            (self.certURL, self.ca, self.cert, self.key, self.otherCA, self.tlsDatabase) = (certURL, ca, cert, key, otherCA, tlsDatabase)
        }

        /// The TLS URL (verify-full, as ingestd_tls) of a database made by `freshDatabase`.
        func tlsURL(of plain: String) -> (url: String, name: String) {
            let name = String(plain[plain.index(after: plain.lastIndex(of: "/")!)...])
            return (tlsDatabase.replacingOccurrences(of: "/ingestd?", with: "/\(name)?"), name)
        }
    }

    /// Starts ingestd on the client-certificate listener with `mqttExtra`, waits for `awaiting`
    /// in its log (at most 15 s), and returns the daemon, still running.
    func startOnCertificateListener(_ files: Files, mqttExtra: [String], databaseURL: String, root: String,
                                    awaiting: String) throws -> (daemon: ChildProcess, seen: Bool) {
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: databaseURL, mqttURL: files.certURL, mqttExtra: mqttExtra)
        let daemon = try ChildProcess(TestStack.binary("ingestd"), ["run", "--config", config], label: "ingestd")
        return (daemon, daemon.waitForOutput(awaiting, timeout: 15))
    }

    @Test("ingestd consumes over mqtts:// with a client certificate and writes to PostgreSQL over verify-full TLS")
    func ingestsOverTLSBothWays() throws {
        let files = try Files()
        let root = TestStack.uniqueTopicRoot("mtls")
        let plain = try TestStack.freshDatabase("mtls")
        let tls = files.tlsURL(of: plain)
        let (daemon, subscribed) = try startOnCertificateListener(
            files, mqttExtra: ["ca_file: \(files.ca)", "cert_file: \(files.cert)", "key_file: \(files.key)"],
            databaseURL: tls.url, root: root, awaiting: "subscribed")
        #expect(subscribed, "ingestd log:\n\(daemon.output)")
        // Published on the plain listener of the same broker: it reaches ingestd over TLS.
        let publisher = try MQTTListener(filter: "\(root)/unused")
        try publisher.publish(topic: "\(root)/s1/l1/sensor/dev1/temp", payload: "{\"value\": 21.5}")
        #expect(TestStack.waitForCount(plain, "SELECT count(*) FROM sensor_readings", atLeast: 1, timeout: 15) == 1,
                "ingestd log:\n\(daemon.output)")
        // Every connection ingestd holds to its database is TLS (ingestd_tls may log in no other way).
        let sessions = TestStack.count(plain, """
            SELECT count(*) FILTER (WHERE s.ssl) * 1000 + count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
             WHERE a.datname = '\(tls.name)' AND a.usename = 'ingestd_tls'
            """)
        #expect(sessions > 1000 && sessions / 1000 == sessions % 1000, "TLS sessions * 1000 + sessions: \(sessions)")
        #expect(daemon.terminate() == 0)
    }

    @Test("without a client certificate the broker refuses ingestd, and ingestd logs why and keeps trying until stopped")
    func withoutAClientCertificateTheBrokerRefuses() throws {
        let files = try Files()
        let dbURL = try TestStack.freshDatabase("nocert")
        let (daemon, seen) = try startOnCertificateListener(files, mqttExtra: ["ca_file: \(files.ca)"], databaseURL: dbURL,
                                                            root: TestStack.uniqueTopicRoot("nocert"), awaiting: "broker connection:")
        #expect(seen, "ingestd log:\n\(daemon.output)")
        let log = daemon.output
        #expect(log.contains("certificate required"), "ingestd log:\n\(log)")
        #expect(!log.contains("subscribed"), "ingestd log:\n\(log)")
        #expect(daemon.terminate() == 0)
    }

    @Test("a broker certificate that the configured CA did not sign is refused: verification stays on")
    func aBrokerCertificateFromAnotherCAIsRefused() throws {
        let files = try Files()
        let dbURL = try TestStack.freshDatabase("otherca")
        let (daemon, seen) = try startOnCertificateListener(
            files, mqttExtra: ["ca_file: \(files.otherCA)", "cert_file: \(files.cert)", "key_file: \(files.key)"],
            databaseURL: dbURL, root: TestStack.uniqueTopicRoot("otherca"), awaiting: "broker connection:")
        #expect(seen, "ingestd log:\n\(daemon.output)")
        let log = daemon.output
        #expect(log.contains("certificate verify failed"), "ingestd log:\n\(log)")
        #expect(!log.contains("subscribed"), "ingestd log:\n\(log)")
        #expect(daemon.terminate() == 0)
    }

    @Test("a client key that cannot be read stops ingestd at start, naming the file")
    func anUnreadableClientKeyIsNamed() throws {
        let files = try Files()
        let missing = "/nonexistent-\(UInt32.random(in: 0...UInt32.max))/client.key"
        let config = try TestStack.writeConfig(topicRoot: TestStack.uniqueTopicRoot("nokey"), databaseURL: try TestStack.freshDatabase("nokey"),
                                               mqttURL: files.certURL,
                                               mqttExtra: ["ca_file: \(files.ca)", "cert_file: \(files.cert)", "key_file: \(missing)"])
        let daemon = try ChildProcess(TestStack.binary("ingestd"), ["run", "--config", config], label: "ingestd")
        let exit = daemon.waitForExit(timeout: 30)
        #expect(exit != nil && exit != 0)
        #expect(daemon.output.contains("cannot read the client key '\(missing)': No such file or directory"), "ingestd log:\n\(daemon.output)")
    }

    @Test("PostgreSQL with sslmode=verify-full and the stack's CA: the connection is TLS")
    func verifyFullConnectsOverTLS() throws {
        let files = try Files()
        let connection = try PostgresConnection(files.tlsDatabase)
        let row = try connection.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        #expect(row.value(0, 0) == "t")
        #expect(row.value(0, 1)?.hasPrefix("TLSv1.") == true)
    }

    @Test("verify-full refuses a server whose certificate does not name the host, or that the CA did not sign")
    func verifyFullRefusesTheWrongServer() throws {
        let files = try Files()
        // The right server (hostaddr), reached under a name its certificate does not hold.
        let wrongName = files.tlsDatabase.replacingOccurrences(of: "@127.0.0.1:", with: "@wrong.invalid:") + "&hostaddr=127.0.0.1"
        #expect(wrongName != files.tlsDatabase)
        do {
            _ = try PostgresConnection(wrongName)
            Issue.record("connected to a server whose certificate does not name wrong.invalid")
        } catch {
            #expect("\(error)".contains("does not match host name \"wrong.invalid\""), "\(error)")
        }
        let otherCA = files.tlsDatabase.replacingOccurrences(of: "sslrootcert=\(files.ca)", with: "sslrootcert=\(files.otherCA)")
        #expect(otherCA != files.tlsDatabase)
        do {
            _ = try PostgresConnection(otherCA)
            Issue.record("connected to a server whose certificate the CA did not sign")
        } catch {
            #expect("\(error)".contains("certificate verify failed"), "\(error)")
        }
    }
}
}
