import Foundation
import Mosquitto
import PostgresClient
import Testing

/// The hostile corpus (HostileCorpus.swift) through a real broker, ingestd and PostgreSQL:
/// each payload is a dead letter with its reason, none of it becomes a row, and ingestd goes
/// on running, stores the next valid message and keeps its memory bounded.
extension StackTests {
@Suite struct HostileInputEndToEndTests {
    /// Far above what ingestd needs (tens of MiB) and far below what an unbounded allocation
    /// for a 10 000-deep nesting, a 5 000-record batch or a 70 kB payload would take.
    static let residentLimitKiB = 512 * 1024

    @Test("every hostile payload is a dead letter with its reason, nothing of it is stored, and ingestd stays up with bounded memory")
    func hostileCorpusIsDeadLetteredAndIngestdSurvives() throws {
        let root = TestStack.uniqueTopicRoot("hostile")
        let dbURL = try TestStack.freshDatabase("hostile")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL))
        let db = try PostgresConnection(dbURL)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let cases = HostileCorpus.cases
        for c in cases { try publisher.publish(topic: "\(root)/\(c.topic)", bytes: c.payload(nowMs)) }
        // After the corpus, on the same connection (so in order): one valid reading.
        try publisher.publish(topic: "\(root)/\(HostileCorpus.sensor)", payload: #"{"value": 21.5, "unit": "C"}"#)

        let letters = TestStack.waitForCount(dbURL, "SELECT count(*) FROM dead_letters", atLeast: cases.count)
        #expect(letters == cases.count, "ingestd log:\n\(daemon.output.suffix(3000))")
        let stored = TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings", atLeast: 1)
        #expect(stored == 1, "the valid reading after the corpus is stored")
        #expect(try db.execute("SELECT device, metric, value, unit FROM sensor_readings").rows == [["d1", "temp", "21.5", "C"]])
        for table in ["battery_readings", "equipment_state_history", "machine_events"] {
            #expect(TestStack.count(dbURL, "SELECT count(*) FROM \(table)") == 0, "\(table) holds a row of the corpus")
        }

        // Each case by its topic and the bytes its dead letter keeps (the first 4 096).
        let rows = try db.execute("SELECT topic, encode(payload, 'hex'), reason_code, reason, family, payload_size FROM dead_letters").rows
        var byPayload: [String: [String?]] = [:]
        for row in rows { byPayload["\(row[0] ?? "") \(row[1] ?? "")"] = row }
        for c in cases {
            let payload = c.payload(nowMs)
            let hex = payload.prefix(4_096).map { String(format: "%02x", $0) }.joined()
            guard let row = byPayload["\(root)/\(c.topic) \(hex)"] else {
                Issue.record("\(c.name): no dead letter")
                continue
            }
            #expect(row[2] == c.reason, "\(c.name): \(row[3] ?? "")")
            #expect(row[4] == c.family, "\(c.name)")
            #expect(row[5] == String(payload.count), "\(c.name): the dead letter keeps the payload's real size")
        }

        #expect(daemon.process.isRunning, "ingestd stopped:\n\(daemon.output.suffix(3000))")
        let peak = try #require(daemon.peakResidentKiB)
        print("ingestd peak resident memory after the hostile corpus: \(peak / 1024) MiB")
        #expect(peak < Self.residentLimitKiB, "ingestd's peak resident memory is \(peak / 1024) MiB")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }
}
}
