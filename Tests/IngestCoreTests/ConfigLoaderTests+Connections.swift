import Testing
@testable import IngestCore

/// The keys for the HTTP endpoint, the broker's client certificate and the database owner.
extension ConfigLoaderTests {
    // MARK: http.listen

    @Test func theHTTPEndpointListensOnLoopbackByDefault() throws {
        #expect(try load("").http.listen == IngestConfig.HTTP.Listen(host: "127.0.0.1", port: 9810))
        #expect(try load("http:\n  # listen: off\n").http.listen == IngestConfig.HTTP.Listen(host: "127.0.0.1", port: 9810))
    }

    @Test("http.listen reads host:port, :port for every interface and a bracketed IPv6 address",
          arguments: [("127.0.0.1:9810", "127.0.0.1", 9810), (":9810", "0.0.0.0", 9810), ("'[::1]:9810'", "::1", 9810),
                      ("\"[::]:80\"", "::", 80), ("localhost:65535", "localhost", 65_535), ("0.0.0.0:1", "0.0.0.0", 1), ("127.0.0.1:0", "127.0.0.1", 0)])
    func listenReadsAnAddress(text: String, host: String, port: Int) throws {
        #expect(try load("http:\n  listen: \(text)\n").http.listen == IngestConfig.HTTP.Listen(host: host, port: port))
    }

    @Test(arguments: ["off", "OFF", "Off"])
    func listenOffTurnsTheEndpointOff(text: String) throws {
        #expect(try load("http:\n  listen: \(text)\n").http.listen == nil)
    }

    @Test("an IPv6 listen address prints bracketed")
    func anIPv6ListenAddressPrintsBracketed() {
        #expect(IngestConfig.HTTP.Listen(host: "::1", port: 9810).description == "[::1]:9810")
        #expect(IngestConfig.HTTP.Listen(host: "127.0.0.1", port: 9810).description == "127.0.0.1:9810")
    }

    @Test("an http.listen that is not host:port names its line and key",
          arguments: ["9810", "localhost", "::1:9810", "'[::1]9810'", "'[::1'", "yes please"])
    func listenWithoutAPortIsRefused(text: String) {
        expectError("# metrics\nhttp:\n  listen: \(text)\n", line: 3, key: "http.listen",
                    message: "expected host:port such as 127.0.0.1:9810, :9810 for every interface, or off; got")
    }

    @Test("an http.listen port outside 0 to 65535 names its line and key",
          arguments: [("localhost:65536", "'65536'"), ("localhost:http", "'http'"), ("'localhost:'", "''"),
                      ("'[::1]:'", "''"), ("127.0.0.1:-1", "'-1'")])
    func listenWithABadPortIsRefused(text: String, port: String) {
        expectError("http:\n  listen: \(text)\n", line: 2, key: "http.listen",
                    message: "expected a port from 0 (any free port, logged at start) to 65535 after the colon, got \(port)")
    }

    @Test func listenMustBeAString() {
        expectError("http:\n  listen: [a, b]\n", line: 2, key: "http.listen", message: "expected a string, got a list")
        expectError("http:\n  listne: :9810\n", line: 2, key: "http.listne", message: "did you mean 'listen'?")
        expectError("http: 9810\n", line: 1, key: "http", message: "expected a mapping of keys, got '9810'")
    }

    // MARK: mqtt.cert_file, mqtt.key_file

    @Test func aClientCertificateAndKeyAreRead() throws {
        let c = try load("mqtt:\n  url: mqtts://broker:8883\n  cert_file: /etc/ingestd/client.pem\n  key_file: /etc/ingestd/client.key\n")
        #expect(c.mqtt.certFile == "/etc/ingestd/client.pem")
        #expect(c.mqtt.keyFile == "/etc/ingestd/client.key")
        let none = try load("mqtt:\n  url: mqtts://broker:8883\n")
        #expect(none.mqtt.certFile == nil && none.mqtt.keyFile == nil)
    }

    @Test func aCertificateWithoutItsKeyOrAKeyWithoutItsCertificateIsRefused() {
        expectError("mqtt:\n  url: mqtts://b:8883\n  cert_file: /c.pem\n", line: 3, key: "mqtt.cert_file",
                    message: "a client certificate needs both cert_file and key_file")
        expectError("mqtt:\n  url: mqtts://b:8883\n  key_file: /k.pem\n", line: 3, key: "mqtt.key_file",
                    message: "a client certificate needs both cert_file and key_file")
    }

    @Test func aClientCertificateNeedsAnMQTTSURL() {
        expectError("mqtt:\n  url: mqtt://b:1883\n  cert_file: /c.pem\n  key_file: /k.pem\n", line: 3, key: "mqtt.cert_file",
                    message: "a client certificate is sent only over TLS: use an mqtts:// url")
        // The default URL is mqtt://.
        expectError("mqtt:\n  cert_file: /c.pem\n  key_file: /k.pem\n", line: 2, key: "mqtt.cert_file", message: "use an mqtts:// url")
    }

    @Test("a cert_file of the wrong type is one error, not also a certificate without its key")
    func aCertFileOfTheWrongTypeIsOneError() {
        expectError("mqtt:\n  url: mqtts://b:8883\n  cert_file: [a, b]\n  key_file: /k.pem\n", line: 3, key: "mqtt.cert_file",
                    message: "expected a string, got a list")
    }

    // MARK: database.owner_url, owner_password_env, owner_password_file

    @Test func theOwnerURLAndItsPasswordAreRead() throws {
        let c = try load("""
            database:
              url: postgresql://ingestd@db/ingestd
              password_env: DB_PW
              owner_url: postgresql://ingestd_owner@db/ingestd
              owner_password_env: OWNER_PW
            """, env: ["DB_PW": "writer-secret", "OWNER_PW": "owner-secret"])
        #expect(c.database.url == "postgresql://ingestd@db/ingestd" && c.database.password == "writer-secret")
        #expect(c.database.ownerURL == "postgresql://ingestd_owner@db/ingestd" && c.database.ownerPassword == "owner-secret")
        let fromFile = try load("database:\n  owner_url: postgresql://o@db/i\n  owner_password_file: $CREDENTIALS_DIRECTORY/owner\n",
                                env: ["CREDENTIALS_DIRECTORY": "/run/creds"], files: ["/run/creds/owner": "owner-secret\n"])
        #expect(fromFile.database.ownerPassword == "owner-secret")
        #expect(fromFile.database.password == nil)
        let none = try load("database:\n  url: postgresql://x@db/i\n")
        #expect(none.database.ownerURL == nil && none.database.ownerPassword == nil)
    }

    @Test func anOwnerPasswordThatCannotBeReadIsRefusedWithItsKey() {
        expectError("database:\n  owner_url: postgresql://o@db/i\n  owner_password_env: OWNER_PW\n", line: 3,
                    key: "database.owner_password_env", message: "the environment variable OWNER_PW is not set")
        expectError("database:\n  owner_password_file: /etc/ingestd/owner\n", line: 2, key: "database.owner_password_file",
                    message: "cannot read /etc/ingestd/owner")
        expectError("database:\n  owner_password_file: $CREDENTIALS_DIRECTORY/owner\n", line: 2, key: "database.owner_password_file",
                    message: "$CREDENTIALS_DIRECTORY is not set")
        expectError("database:\n  owner_url: [a]\n", line: 2, key: "database.owner_url", message: "expected a string, got a list")
        expectError("database:\n  ownr_url: postgresql://o@db/i\n", line: 2, key: "database.ownr_url", message: "did you mean 'owner_url'?")
    }

    @Test("the writer's and the owner's missing passwords are both reported")
    func bothPasswordsAreReported() {
        #expect(places("database:\n  password_env: DB_PW\n  owner_password_env: OWNER_PW\n")
                == [Place(line: 2, key: "database.password_env"), Place(line: 3, key: "database.owner_password_env")])
    }
}
