import Foundation
import Synchronization
import PostgresClient
import Testing

/// A CHECK constraint a DBA added refusing half of a large batch: the search for the refused
/// rows ends, keeps the daemon alive as its watchdog and `/healthz` see it, and every refused
/// reading becomes a dead letter of the message it came in.
extension StackTests {
@Suite struct RefusedRowsTests {
    // Both layouts: hypertables (where the server has TimescaleDB) and native partitions.
    @Test("a CHECK refusing every second reading of a 5,000-reading batch: every good one stored, every bad one a dead letter with its topic and original payload, /healthz 200 throughout, the search ends",
          arguments: ["auto", "partitions"])
    func everySecondReadingOfALargeBatchRefusedIsFoundFastWithItsOrigin(engine: String) throws {
        let root = TestStack.uniqueTopicRoot("refusedhalf")
        let dbURL = try TestStack.freshDatabase("refusedhalf")
        // One batch: it is written when it holds 5,000 rows, long before it is 30 s old.
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, engine: engine, writerExtra: ["batch_size: 5000", "max_age: 30s"])
        try TestStack.migrate(config: config)
        try PostgresConnection(dbURL).execute("ALTER TABLE sensor_readings ADD CONSTRAINT dba_even_values CHECK (value::bigint % 2 = 0)")
        // Under a 2 s watchdog /healthz calls the writer stuck after 2 s without a beat: a
        // search that does not beat between its steps turns it 503 (and would get the
        // service restarted), one that beats keeps it 200.
        let notify = try NotifySocket()
        // Read, as systemd does: a full socket would block the daemon's notifications.
        let draining = Draining(notify)
        defer { draining.stop() }
        let daemon = try ChildProcess(TestStack.binary("ingestd"), ["run", "--config", config], label: "ingestd",
                                      environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"])
        #expect(daemon.waitForOutput("subscribed"), "ingestd did not subscribe:\n\(daemon.output)")
        _ = daemon.waitForOutput("HTTP endpoint listening on", timeout: 20)
        let endpoint = try #require(daemon.httpEndpoint, "\(daemon.output.suffix(2000))")

        let publisher = try MQTTListener(filter: "\(root)/unused")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var sent: [String: String] = [:]  // payload -> topic, of the refused (odd) ones
        for i in 0..<5_000 {
            let topic = "\(root)/s1/l1/sensor/dev\(i % 10)/temp"
            let payload = #"{"ts":\#(now - Int64(i)),"value":\#(i)}"#
            try publisher.publish(topic: topic, payload: payload)
            if i % 2 == 1 { sent[payload] = topic }
        }

        // Polled until the search's dead letters are all in (bounded: 3,000 polls).
        var answers: [Int] = []
        var letters = 0
        for _ in 0..<3_000 {
            answers.append(httpGet("\(endpoint)/healthz")?.status ?? -1)
            letters = Int((try? PostgresConnection(dbURL).execute("SELECT count(*) FROM dead_letters").value(0, 0)) ?? nil ?? "") ?? 0
            if letters >= 2_500 { break }
            usleep(100_000)
        }
        #expect(letters == 2_500, "ingestd log:\n\(daemon.output.suffix(3000))")
        #expect(!answers.isEmpty && answers.allSatisfy { $0 == 200 }, "/healthz answered \(answers.filter { $0 != 200 }.count) of \(answers.count) polls with something else: \(Set(answers))\n\(daemon.output.suffix(2000))")
        #expect(httpGet("\(endpoint)/healthz")?.status == 200)

        let db = try PostgresConnection(dbURL)
        #expect(try db.execute("SELECT count(*) FROM sensor_readings").value(0, 0) == "2500")
        #expect(try db.execute("SELECT count(*) FROM sensor_readings WHERE value::bigint % 2 = 0").value(0, 0) == "2500", "every good one stored")
        let rows = try db.execute("SELECT topic, convert_from(payload, 'UTF8'), reason_code, family, reason FROM dead_letters").rows
        #expect(rows.count == 2_500)
        var matched = 0
        for row in rows {
            guard let payload = row[1], let topic = sent[payload] else { continue }
            if row[0] == topic && row[2] == "database_refused" && row[3] == "sensor" && (row[4] ?? "").contains("dba_even_values") { matched += 1 }
        }
        #expect(matched == 2_500, "each bad reading a database_refused dead letter of its own message (topic, original payload); first: \(rows.first ?? [])")
        // The search ended, in one pass: its log line says how many writes it took.
        #expect(daemon.output.contains("the database refused 2500 of 5000 entries"), "\(daemon.output.suffix(3000))")
        if let line = daemon.output.split(separator: "\n").first(where: { $0.contains("search_writes=") }) {
            print("refusal search: \(line.split(separator: " ").filter { $0.hasPrefix("search_") }.joined(separator: " "))")
        }
        #expect(daemon.process.isRunning)
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }
}
}

/// Reads a notification socket on a thread of its own until stopped.
final class Draining: @unchecked Sendable {  // `socket` is only read from the thread; `stopped` is atomic
    private let socket: NotifySocket
    private let stopped = Atomic(false)
    private let done = DispatchSemaphore(value: 0)

    init(_ socket: NotifySocket) {
        self.socket = socket
        Thread { [self] in
            while !stopped.load(ordering: .relaxed) { _ = self.socket.waitFor("\u{0}never", timeout: 0.3) }
            done.signal()
        }.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        done.wait()
    }
}
