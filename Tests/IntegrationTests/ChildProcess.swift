import Foundation

/// A program the test starts and stops, with its output kept in a file for the test to read
/// and to show when something fails.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let logFile: URL

    init(_ executable: String, _ arguments: [String], label: String, environment extra: [String: String] = [:]) throws {
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UInt32.random(in: 0...UInt32.max)).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // The URLs in the test's config must win over the ones scripts/test exports.
        var environment = ProcessInfo.processInfo.environment
        for key in ["INGESTD_MQTT_URL", "INGESTD_DATABASE_URL", "INGESTD_CONFIG"] { environment[key] = nil }
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var output: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Waits until the output contains `text`; false on timeout or exit.
    func waitForOutput(_ text: String, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(text) { return true }
            if !process.isRunning { return output.contains(text) }
            usleep(50_000)
        }
        return false
    }

    /// Waits for the exit and returns the exit code; nil on timeout (the process is then killed).
    func waitForExit(timeout: Double = 120) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// SIGTERM, then waits for the exit.
    func terminate(timeout: Double = 60) -> Int32? {
        kill(process.processIdentifier, SIGTERM)
        return waitForExit(timeout: timeout)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// What `ingestd-sim` reports in its manifest (the fields the tests read).
struct SimulatorManifest: Decodable {
    var published: Int
    var acknowledged: Int
    var validMessages: Int
    var duplicateMessages: Int
    var malformedMessages: Int
    var expectedUniqueReadings: Int
    var expectedDeadLetters: Int
    var families: [String: FamilyExpectation]?
    /// With `--excursions`: what each excursion must raise and clear.
    var excursions: [Excursion]?
    var startedAt: String?
    var elapsedSeconds: Double?

    /// One excursion the simulator played: the alert `rule` must be raised `raises` times and
    /// cleared `clears` times for `device` (and `metric`), between `from` and `to` (epoch ms).
    struct Excursion: Decodable {
        var kind: String
        var family: String
        var site: String
        var device: String
        var metric: String?
        var rule: String
        var raises: Int
        var clears: Int
        var from: Int64?
        var to: Int64?
    }

    /// What one family must have left in the database (only the keys of that family are set).
    struct FamilyExpectation: Decodable {
        var messages: Int?
        var rows: Int?
        var historyRows: Int?
        var deadLetters: Int?
        var duplicates: Int?
        var corrections: Int?
        var updated: Int?
        var stale: Int?
        var defectSum: Int?
        var unknownDefects: Int?
        var current: [String: CurrentState]?
    }

    struct CurrentState: Decodable {
        var state: String
        var changedAtMs: Int64
        var source: String
    }
}

enum Simulator {
    /// Starts `ingestd-sim` publishing under `topicRoot`; read the manifest after it exits.
    static func start(topicRoot: String, count: Int, rate: Int, duplicates: Double, malformed: Double,
                      devices: Int = 200, families: String = "sensor", manifest: URL, extra: [String] = []) throws -> ChildProcess {
        try ChildProcess(TestStack.binary("ingestd-sim"), [
            "--url", TestStack.mqttURL ?? "", "--topic-prefix", topicRoot, "--count", String(count), "--rate", String(rate),
            "--devices", String(devices), "--duplicates", String(duplicates), "--malformed", String(malformed),
            "--families", families, "--manifest", manifest.path,
        ] + extra, label: "sim")
    }

    static func readManifest(_ url: URL) throws -> SimulatorManifest {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(SimulatorManifest.self, from: Data(contentsOf: url))
    }
}

extension ChildProcess {
    /// The process's peak resident memory in KiB (`VmHWM` in /proc/<pid>/status); nil once it
    /// has exited or where /proc has no such line.
    var peakResidentKiB: Int? {
        guard process.isRunning,
              let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) }
    }
}

// MARK: Crash-safety helpers (kill -9, the journal's replay line, a second instance's config)

extension ChildProcess {
    /// SIGKILL, as a crash or the OOM killer would end it, then waits for the exit. True when
    /// the process ended by that signal.
    func killHard(timeout: Double = 30) -> Bool {
        kill(process.processIdentifier, SIGKILL)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return !process.isRunning && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    /// Where ingestd's HTTP endpoint listens, from its log line "HTTP endpoint listening on
    /// http://…": e.g. `http://127.0.0.1:41234`. Nil until then.
    var httpEndpoint: String? {
        let text = output
        guard let range = text.range(of: "HTTP endpoint listening on ") else { return nil }
        let word = text[range.upperBound...].prefix { !$0.isWhitespace }  // "http://127.0.0.1:41234:"
        return String(word.dropLast())
    }

    /// The N of ingestd's "journal: replaying N messages" (0 for "nothing to replay"); nil
    /// when the journal has not been opened yet.
    var journalReplayCount: Int? {
        let text = output
        if text.contains("journal: nothing to replay") { return 0 }
        guard let range = text.range(of: "journal: replaying ") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}

extension TestStack {
    /// A copy of `config` (from `writeConfig`) for another instance on the same broker, topics
    /// and database: its own folder, `client_id` (suffixed with `instance`) and journal.
    static func instanceConfig(copying config: String, instance: String) throws -> String {
        let source = URL(fileURLWithPath: config).deletingLastPathComponent()
        let dir = source.deletingLastPathComponent().appendingPathComponent(source.lastPathComponent + "-" + instance)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let lines = try String(contentsOfFile: config, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let trimmed = line.drop { $0 == " " }
            let indent = String(line.prefix(line.count - trimmed.count))
            if trimmed.hasPrefix("client_id:") { return String(line) + "-" + instance }
            if trimmed == "path: \(source.path)/journal" { return indent + "path: \(dir.path)/journal" }
            return String(line)
        }
        let file = dir.appendingPathComponent("ingestd.yaml")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// `scripts/stack restart-postgres` or `restart-mosquitto` started in the background, for a
    /// long outage; returns its log file at once. Not through `restart` (a `ChildProcess`):
    /// Foundation's Process reaps each child with a blocking waitpid on its one manager thread
    /// as soon as the child closes the socket Foundation watches, and scripts/stack closes every
    /// inherited descriptor at start, so while it runs no other child's exit would be seen.
    /// Wait for the server to go and come back by polling it.
    static func restartInBackground(_ service: String, downSeconds: Int) throws -> String {
        guard let dir = environment["INGESTD_STACK_DIR"] else { throw NotConfigured() }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("restart-\(service)-\(UInt32.random(in: 0...UInt32.max)).log").path
        let script = packageRoot.appendingPathComponent("scripts/stack").path
        let shell = try ChildProcess("/bin/sh", ["-c", "INGESTD_RUN_DIR='\(dir)' '\(script)' restart-\(service) \(downSeconds) >'\(log)' 2>&1 &"],
                                     label: "restart-background")
        _ = shell.waitForExit(timeout: 30)
        return log
    }
}
