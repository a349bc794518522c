import Foundation
import PostgresClient
import Testing

extension StackTests {
/// SIGTERM: stop taking from the journal, commit what the database takes, publish what the commits changed,
/// then the offline status and DISCONNECT — in that order.
@Suite struct StopTests {
    @Test("at SIGTERM every dead letter the last batches commit is also published before ingestd disconnects; the rest follows at the next start")
    func deadLettersOfTheLastBatchesArePublishedBeforeTheDisconnect() throws {
        let root = TestStack.uniqueTopicRoot("stoppub")
        let dbURL = try TestStack.freshDatabase("stoppub")
        // Batches wait up to 2 s: at SIGTERM the last one is still pending in the pipeline.
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
        try String(contentsOfFile: config, encoding: .utf8).replacing("writer:\n", with: "writer:\n  max_age: 2s\n")
            .write(toFile: config, atomically: true, encoding: .utf8)
        try TestStack.migrate(config: config)
        let listener = try MQTTListener(filter: "\(root)/ingestd/deadletter/#")
        var daemon = try TestStack.startIngestd(config: config)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for i in 0..<50 {
            try listener.publish(topic: "\(root)/s1/l1/sensor/dev\(i)/temp", payload: "{\"ts\":\(now),\"value\":")
        }
        usleep(500_000)  // in the journal and in the pipeline's pending batch, not yet committed
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
        let stored = TestStack.count(dbURL, "SELECT count(*) FROM dead_letters")
        #expect(stored > 0, "the pending batch was not committed at the stop:\n\(daemon.output.suffix(3000))")
        #expect(listener.waitFor(count: stored, onTopicPrefix: "\(root)/ingestd/deadletter/"),
                "\(stored) dead letters stored but \(listener.count(onTopicPrefix: "\(root)/ingestd/deadletter/")) published; ingestd log:\n\(daemon.output.suffix(4000))")

        daemon = try TestStack.startIngestd(config: config)
        #expect(listener.waitFor(count: 50, onTopicPrefix: "\(root)/ingestd/deadletter/"))
        usleep(500_000)
        #expect(TestStack.count(dbURL, "SELECT count(*) FROM dead_letters") == 50)
        #expect(listener.count(onTopicPrefix: "\(root)/ingestd/deadletter/") == 50)
        #expect(daemon.terminate() == 0)
    }
}
}
