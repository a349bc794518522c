import Foundation
import Mosquitto
import Testing

/// Passwords in the broker URL and the database URL or conninfo are masked wherever ingestd
/// prints them: `check-config`, and the error about a URL it cannot read.
@Suite struct SecretsAreNeverPrintedTests {
    /// Runs `ingestd check-config` on `yaml`; its output, standard error included.
    func checkConfig(_ yaml: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ingestd-secrets-\(UInt32.random(in: 0...UInt32.max)).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try ChildProcess(TestStack.binary("ingestd"), ["check-config", "--config", file.path], label: "check-config")
        _ = run.waitForExit()
        return run.output
    }

    @Test("check-config masks the broker's password and the database's, in a URL, its query or a conninfo",
          arguments: ["postgresql://ingestd:s3cretDB@db.example/ingestd",
                      "postgresql://ingestd@db.example/ingestd?sslmode=require&password=s3cretDB",
                      "host=db.example password='s3cretDB with space' dbname=ingestd",
                      "host=db.example password=s3cretDB dbname=ingestd"])
    func checkConfigMasksPasswords(database: String) throws {
        let output = try checkConfig("""
            mqtt:
              url: mqtt://ingestd:s3cretMQ@broker.example:1883
            database:
              url: "\(database.replacing("\"", with: "\\\""))"
            """)
        #expect(output.contains("OK"), "\(output)")
        #expect(!output.contains("s3cret"), "\(output)")
        #expect(output.contains("mqtt://ingestd:***@broker.example:1883"), "\(output)")
    }

    @Test("a broker URL ingestd cannot read is named with its password masked")
    func aBadURLsErrorMasksThePassword() throws {
        let output = try checkConfig("mqtt:\n  url: mqtt://ingestd:s3cretMQ@broker.example:99999\n")
        #expect(output.contains("invalid broker URL 'mqtt://ingestd:***@broker.example:99999'"), "\(output)")
        #expect(!output.contains("s3cret"), "\(output)")
        #expect(MQTTURL.redacting("mqtt://broker.example") == "mqtt://broker.example")
        #expect(MQTTURL.redacting("mqtts://user@broker.example") == "mqtts://user@broker.example")
        #expect(MQTTURL.redacting("mqtt://u:p:q@h@x") == "mqtt://u:***@x")
    }
}
