import Foundation
import PostgresClient

import Testing

/// Every suite that uses the shared broker and database runs inside this one, one test at a
/// time: some tests restart the broker or the database.
@Suite(.serialized, .enabled(if: TestStack.shouldRun, "needs the stack: run scripts/test, or scripts/stack up and eval \"$(scripts/stack env)\""))
struct StackTests {}

/// The stack the integration tests run against: the broker and database that
/// `scripts/stack up` started (scripts/test exports their URLs), and the built binaries.
enum TestStack {
    static let environment = ProcessInfo.processInfo.environment

    static var mqttURL: String? { environment["INGESTD_MQTT_URL"] }
    static var adminDatabaseURL: String? { environment["INGESTD_ADMIN_DATABASE_URL"] }

    /// scripts/test sets INGESTD_REQUIRE_STACK=1: then a missing stack fails the tests
    /// instead of skipping them.
    static var isRequired: Bool { environment["INGESTD_REQUIRE_STACK"] == "1" }
    static var isConfigured: Bool { mqttURL != nil && adminDatabaseURL != nil }
    static var shouldRun: Bool { isConfigured || isRequired }

    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A built executable: $INGESTD_BIN_DIR/name, else .build/debug/name.
    static func binary(_ name: String) -> String {
        if let dir = environment["INGESTD_BIN_DIR"] { return "\(dir)/\(name)" }
        return packageRoot.appendingPathComponent(".build/debug/\(name)").path
    }

    /// A file holding `text`, e.g. a password for `password_file`.
    static func secretFile(_ text: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ingestd-secret-\(UInt32.random(in: 0...UInt32.max))")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// `scripts/stack restart-postgres` or `restart-mosquitto`, on the stack the tests run against.
    static func restart(_ service: String, downSeconds: Int) throws -> ChildProcess {
        guard let dir = environment["INGESTD_STACK_DIR"] else { throw NotConfigured() }
        return try ChildProcess("/usr/bin/env", ["INGESTD_RUN_DIR=\(dir)", packageRoot.appendingPathComponent("scripts/stack").path,
                                                  "restart-\(service)", String(downSeconds)], label: "restart")
    }

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "the integration stack is not running: start it with `scripts/stack up` and `eval \"$(scripts/stack env)\"`, or run scripts/test"
        }
    }

    /// Creates an empty database for one test and returns its URL.
    static func freshDatabase(_ label: String) throws -> String {
        guard let admin = adminDatabaseURL else { throw NotConfigured() }
        let name = "t_\(label)_\(UInt32.random(in: 0...UInt32.max))"
        let connection = try PostgresConnection(admin)
        try connection.execute("CREATE DATABASE \(name)")
        guard let slash = admin.lastIndex(of: "/") else { throw NotConfigured() }
        return admin[..<slash] + "/\(name)"
    }

    /// Runs `ingestd migrate` on a config and expects it to succeed; returns the process, done.
    @discardableResult
    static func migrate(config: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ChildProcess {
        let migrate = try ChildProcess(binary("ingestd"), ["migrate", "--config", config], label: "migrate")
        #expect(migrate.waitForExit() == 0, "migrate failed:\n\(migrate.output)", sourceLocation: sourceLocation)
        return migrate
    }

    /// Starts `ingestd run` on a config and waits until it has subscribed.
    static func startIngestd(config: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ChildProcess {
        let daemon = try ChildProcess(binary("ingestd"), ["run", "--config", config], label: "ingestd")
        #expect(daemon.waitForOutput("subscribed"), "ingestd did not subscribe:\n\(daemon.output)", sourceLocation: sourceLocation)
        return daemon
    }

    /// A unique topic root, so tests sharing the broker never see each other's messages.
    static func uniqueTopicRoot(_ label: String) -> String { "it\(label)\(UInt32.random(in: 0...UInt32.max))" }

    /// Writes an ingestd config for one test into a temporary folder and returns its path.
    /// The journal lives beside it, in `journal/`: a restart on the same config replays it.
    static func writeConfig(topicRoot: String, databaseURL: String, engine: String = "auto", method: String = "copy",
                            writerRetry: String = "500ms", mqttURL url: String? = nil,
                            mqttExtra: [String] = [], journalExtra: [String] = [], writerExtra: [String] = [],
                            httpListen: String = "127.0.0.1:0",
                            extra: String = "") throws -> String {
        guard let mqtt = url ?? mqttURL else { throw NotConfigured() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingestd-it-\(topicRoot)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let yaml = """
        mqtt:
          url: \(mqtt)
          client_id: ingestd-\(topicRoot)
        \(mqttExtra.map { "  " + $0 }.joined(separator: "\n"))
        database:
          url: \(databaseURL)
        storage:
          engine: \(engine)
        writer:
          method: \(method)
          retry_min: \(writerRetry)
        \(writerExtra.map { "  " + $0 }.joined(separator: "\n"))
        publish:
          prefix: \(topicRoot)/ingestd/
        http:
          listen: "\(httpListen)"
        journal:
          path: \(dir.path)/journal
        \(journalExtra.map { "  " + $0 }.joined(separator: "\n"))
        routes:
          - topic: \(topicRoot)/{site}/{line}/sensor/{device}/{metric}
            family: sensor
          - topic: \(topicRoot)/{site}/battery/{battery}/telemetry
            family: battery
          - topic: \(topicRoot)/{site}/{line}/equipment/{equipment}/state
            family: equipment_state
          - topic: \(topicRoot)/{site}/{line}/machine/{machine}/events
            family: machine_event
        \(extra)
        """
        let file = dir.appendingPathComponent("ingestd.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}

extension TestStack {
    /// Whether the stack's PostgreSQL runs TimescaleDB: the extension installed and preloaded,
    /// as `scripts/stack` and `scripts/test` decide it. Tests of TimescaleDB alone run only then.
    static let timescaleRunning: Bool = {
        guard let admin = adminDatabaseURL, let db = try? PostgresConnection(admin) else { return false }
        let sql = """
            SELECT current_setting('shared_preload_libraries') LIKE '%timescaledb%'
               AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
            """
        return (try? db.execute(sql).value(0, 0)) == "t"
    }()

    /// The count `sql` returns; -1 when the database or the query fails.
    static func count(_ dbURL: String, _ sql: String) -> Int {
        guard let db = try? PostgresConnection(dbURL), let value = try? db.execute(sql).value(0, 0) else { return -1 }
        return Int(value ?? "") ?? -1
    }

    /// Waits until `sql` counts at least `atLeast` or `timeout` seconds pass; the last count.
    @discardableResult
    static func waitForCount(_ dbURL: String, _ sql: String, atLeast: Int, timeout: Double = 60) -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var value = count(dbURL, sql)
        while value < atLeast && Date() < deadline {
            usleep(100_000)
            value = count(dbURL, sql)
        }
        return value
    }
}
