import Foundation
import Testing

/// A config with several mistakes: `ingestd check-config` and `ingestd run` name them all, in
/// file order, and exit non-zero. Needs no servers: nothing is connected to.
@Suite struct ConfigErrorsTests {
    /// Errors on lines 2, 3 and 5; mqtt (line 5) is read before writer (lines 2 and 3).
    static let yaml = """
        writer:
          batch_size: lots
          method: fast
        mqtt:
          qos: 1

        """

    /// Runs `ingestd` with `arguments` and a config file holding `yaml`: its exit code and its
    /// output, standard error included, and the file's path.
    func ingestd(_ arguments: [String], yaml: String) throws -> (code: Int32?, output: String, file: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ingestd-errors-\(UInt32.random(in: 0...UInt32.max)).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try ChildProcess(TestStack.binary("ingestd"), arguments + ["--config", file.path], label: "ingestd-errors")
        let code = run.waitForExit()
        return (code, run.output, file.path)
    }

    /// The lines of `output` that name a place in `file`, in order.
    func problemLines(_ output: String, file: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("\(file):") }
    }

    @Test("check-config prints every error in file order, each with file, line and key, and exits non-zero")
    func checkConfigPrintsEveryErrorInFileOrder() throws {
        let (code, output, file) = try ingestd(["check-config"], yaml: Self.yaml)
        #expect(code != 0 && code != nil, "\(output)")
        #expect(!output.contains("OK"), "\(output)")
        #expect(output.contains("\(file): 3 problems"), "\(output)")
        #expect(problemLines(output, file: file) == [
            "\(file):2: key 'writer.batch_size': expected a whole number, got 'lots'",
            "\(file):3: key 'writer.method': expected one of copy, unnest, got 'fast'",
            "\(file):5: key 'mqtt.qos': unknown key; known keys here: url, client_id, clean_session, username, password_env, password_file, ca_file, cert_file, key_file, keepalive, reconnect_min, reconnect_max, queue_capacity, shared_group, max_outgoing_queue",
        ], "\(output)")
    }

    @Test("one error is printed as before: its own line, with no count")
    func checkConfigPrintsOneErrorAsItsLine() throws {
        let (code, output, file) = try ingestd(["check-config"], yaml: "mqtt:\n  urll: mqtt://x\n")
        #expect(code != 0 && code != nil, "\(output)")
        #expect(output.contains("\(file):2: key 'mqtt.urll': unknown key (did you mean 'url'?)"), "\(output)")
        #expect(!output.contains("problems"), "\(output)")
    }

    @Test("ingestd run refuses to start, naming every error")
    func runRefusesToStartNamingEveryError() throws {
        let (code, output, file) = try ingestd(["run"], yaml: Self.yaml)
        #expect(code != 0 && code != nil, "\(output)")
        #expect(problemLines(output, file: file).map { $0.split(separator: ":")[1] } == ["2", "3", "5"], "\(output)")
        #expect(!output.contains("running"), "\(output)")
    }
}
