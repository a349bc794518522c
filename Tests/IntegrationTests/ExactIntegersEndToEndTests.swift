import Foundation
import PostgresClient
import Testing

/// Integers past 2^53 reach the database exactly: two machine events whose numeric ids differ
/// only past 2^53 are two rows, and a battery's cycles and seq are stored digit for digit; one
/// past the bigint range is a dead letter naming the field.
extension StackTests {
@Suite struct ExactIntegersEndToEndTests {
    @Test("event ids, cycles and seq above 2^53 are stored exactly; 2^63 is an out_of_range dead letter")
    func integersAboveTwoToThe53AreStoredExactly() throws {
        let root = TestStack.uniqueTopicRoot("exact")
        let dbURL = try TestStack.freshDatabase("exact")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        try TestStack.migrate(config: config)
        let daemon = try TestStack.startIngestd(config: config)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let t = Int64(Date().timeIntervalSince1970) - 60
        for id in ["9007199254740993", "9007199254740992"] {
            try publisher.publish(topic: "\(root)/s1/l1/machine/m7/events",
                                  payload: #"{"event_id":\#(id),"event_time":\#(t),"duration_ms":4200,"defect_count":0}"#)
        }
        try publisher.publish(topic: "\(root)/s1/battery/pack1/telemetry",
                              payload: #"{"ts":\#(t),"soc":50,"cycles":9007199254740993,"seq":9223372036854775807}"#)
        try publisher.publish(topic: "\(root)/s1/battery/pack1/telemetry",
                              payload: #"{"ts":\#(t + 1),"soc":50,"seq":9223372036854775808}"#)
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM machine_events", atLeast: 2) == 2, "\(daemon.output.suffix(3000))")
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM battery_readings", atLeast: 1) == 1, "\(daemon.output.suffix(3000))")
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM dead_letters", atLeast: 1) == 1, "\(daemon.output.suffix(3000))")
        let db = try PostgresConnection(dbURL)
        #expect(try db.execute("SELECT event_id FROM machine_events ORDER BY event_id").rows
                == [["9007199254740992"], ["9007199254740993"]])
        #expect(try db.execute("SELECT cycles, seq FROM battery_readings").rows == [["9007199254740993", "9223372036854775807"]])
        let letter = try db.execute("SELECT reason_code, reason FROM dead_letters").rows.first
        #expect(letter?[0] == "out_of_range" && (letter?[1] ?? "").contains("'seq'"), "\(String(describing: letter))")
        #expect(daemon.terminate() == 0)
    }
}
}
