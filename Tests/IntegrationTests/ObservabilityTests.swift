import Foundation
import PostgresClient
import Testing

/// The HTTP endpoint and the logs, against a real broker and database: what an operator sees.
extension StackTests {
@Suite struct ObservabilityTests {
    func waitForEndpoint(_ daemon: ChildProcess, timeout: Double = 20) throws -> String {
        _ = daemon.waitForOutput("HTTP endpoint listening on", timeout: timeout)
        return try #require(daemon.httpEndpoint, "no 'HTTP endpoint listening on' line:\n\(daemon.output.suffix(2000))")
    }

    @Test("the metrics endpoint, scraped during a simulator run of the four families, ends with counters equal to the manifest's")
    func metricsCountWhatTheManifestSays() throws {
        let root = TestStack.uniqueTopicRoot("metrics")
        let dbURL = try TestStack.freshDatabase("metrics")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL))
        let endpoint = try waitForEndpoint(daemon)
        let manifestURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(root)-manifest.json")
        let sim = try Simulator.start(topicRoot: root, count: 12_000, rate: 3_000, duplicates: 0.02, malformed: 0.01,
                                      families: "sensor,battery,equipment,machine", manifest: manifestURL)
        // Scraped while the run goes on: every scrape answers, and the counters never go back.
        var scrapes = 0
        var lastAccepted = 0.0
        while sim.process.isRunning {
            let scrape = try #require(httpGet("\(endpoint)/metrics"), "/metrics did not answer during the run")
            #expect(scrape.status == 200)
            let accepted = prometheusSamples(scrape.body).filter { $0.key.hasPrefix("ingestd_records_total{") && $0.key.contains("fate=\"accepted\"") }
                .values.reduce(0, +)
            #expect(accepted >= lastAccepted)
            lastAccepted = accepted
            scrapes += 1
            usleep(300_000)
        }
        #expect(sim.waitForExit() == 0, "simulator failed:\n\(sim.output)")
        #expect(scrapes > 0)
        let manifest = try Simulator.readManifest(manifestURL)
        let families = try #require(manifest.families)
        let settled = TestStack.waitForCount(dbURL, "SELECT count(*) FROM dead_letters", atLeast: manifest.expectedDeadLetters)
        #expect(settled == manifest.expectedDeadLetters)
        #expect(waitForBatches(endpoint))

        let samples = prometheusSamples(try #require(httpGet("\(endpoint)/metrics")).body)
        func sample(_ series: String) -> Int { Int(samples[series] ?? -1) }
        let rowsOf = ["sensor": families["sensor"]?.rows, "battery": families["battery"]?.rows,
                      "equipment_state": families["equipment_state"]?.historyRows, "machine_event": families["machine_event"]?.rows]
        for (family, f) in families {
            #expect(sample(#"ingestd_records_total{family="\#(family)",fate="accepted"}"#) == rowsOf[family] ?? -2, "accepted \(family)")
            #expect(sample(#"ingestd_dead_letters_total{family="\#(family)"}"#) == f.deadLetters ?? 0, "dead letters \(family)")
            if let updated = f.updated { #expect(sample(#"ingestd_records_total{family="\#(family)",fate="updated"}"#) == updated, "updated \(family)") }
            if let stale = f.stale { #expect(sample(#"ingestd_records_total{family="\#(family)",fate="stale"}"#) == stale, "stale \(family)") }
        }
        let deadLetters = samples.filter { $0.key.hasPrefix("ingestd_dead_letters_total{") }.values.reduce(0, +)
        #expect(Int(deadLetters) == manifest.expectedDeadLetters)
        #expect(sample("ingestd_dead_letters_committed_total") == manifest.expectedDeadLetters)
        let rejected = samples.filter { $0.key.hasPrefix("ingestd_rejected_total{") }.values.reduce(0, +)
        #expect(rejected > 0, "the malformed messages are counted by reason")
        // Every committed row has its latency; every commit its size and duration.
        #expect(sample("ingestd_end_to_end_latency_seconds_count") == sample("ingestd_rows_committed_total"))
        #expect(sample("ingestd_batch_rows_count") == sample("ingestd_commit_duration_seconds_count"))
        #expect(sample("ingestd_batch_rows_count") > 0)
        #expect(sample("ingestd_mqtt_connected") == 1 && sample("ingestd_database_connected") == 1 && sample("ingestd_ready") == 1)
        #expect(sample("ingestd_journal_backlog_messages") == 0)
        #expect(httpGet("\(endpoint)/readyz")?.status == 200)
        #expect(httpGet("\(endpoint)/healthz")?.status == 200)
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    /// Until the endpoint's committed rows and dead letters stop moving and the backlog is empty.
    func waitForBatches(_ endpoint: String, timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var last = -1.0
        while Date() < deadline {
            let s = prometheusSamples(httpGet("\(endpoint)/metrics")?.body ?? "")
            let now = (s["ingestd_rows_committed_total"] ?? 0) + (s["ingestd_dead_letters_committed_total"] ?? 0)
            if now == last && s["ingestd_journal_backlog_messages"] == 0 { return true }
            last = now
            usleep(1_000_000)
        }
        return false
    }

    @Test("with the broker unreachable, every attempt is logged with its reason and the next delay, and ingestd is not ready",
          arguments: ["mqtt://127.0.0.1:1", "mqtt://no-such-broker.invalid:1883"])
    func anUnreachableBrokerIsSaidAtEveryAttempt(url: String) throws {
        let root = TestStack.uniqueTopicRoot("nobroker")
        let dbURL = try TestStack.freshDatabase("nobroker")
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, mqttURL: url)
        let daemon = try ChildProcess(TestStack.binary("ingestd"), ["run", "--config", config], label: "ingestd")
        let endpoint = try waitForEndpoint(daemon)
        let why = url.contains("invalid") ? "cannot resolve the host name 'no-such-broker.invalid' (a typo in mqtt.url?)" : "cannot reach 127.0.0.1:1: Connection refused"
        #expect(daemon.waitForOutput("\(why); next attempt in 1.0 seconds", timeout: 20), "\(daemon.output.suffix(2000))")
        #expect(daemon.waitForOutput("\(why); next attempt in 2.0 seconds", timeout: 20), "the delay doubles:\n\(daemon.output.suffix(2000))")
        let ready = try #require(httpGet("\(endpoint)/readyz"))
        #expect(ready.status == 503 && ready.body.contains("broker not connected: \(why)"), "\(ready)")
        #expect(httpGet("\(endpoint)/healthz")?.status == 200, "alive, only not ready")
        #expect(!daemon.output.contains(" running"), "no READY and no 'running' before the first subscription:\n\(daemon.output.suffix(2000))")
        let metrics = prometheusSamples(httpGet("\(endpoint)/metrics")?.body ?? "")
        #expect((metrics["ingestd_mqtt_connect_failures_total"] ?? 0) >= 2 && metrics["ingestd_ready"] == 0)
        // The retry loop ends on SIGTERM.
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly while retrying:\n\(daemon.output.suffix(3000))")
    }

    @Test("/readyz is false while the database is stopped, with the reason and the backlog, and true again once it is back")
    func readinessFollowsTheDatabase() throws {
        let root = TestStack.uniqueTopicRoot("readyz")
        let dbURL = try TestStack.freshDatabase("readyz")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, writerRetry: "200ms"))
        let endpoint = try waitForEndpoint(daemon)
        #expect(waitForHTTP("\(endpoint)/readyz", status: 200, timeout: 20)?.status == 200)
        let log = try TestStack.restartInBackground("postgres", downSeconds: 8)
        let publisher = try MQTTListener(filter: "\(root)/unused")
        let now = Int64(Date().timeIntervalSince1970)
        // Readings keep coming during the outage: the writer finds the database gone.
        var sent = 0
        var notReady: (status: Int, body: String)?
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            try publisher.publish(topic: "\(root)/s1/l1/sensor/dev\(sent)/temp", payload: #"{"ts":\#(now),"value":\#(sent)}"#)
            sent += 1
            if let answer = httpGet("\(endpoint)/readyz"), answer.status == 503 {
                notReady = answer
                break
            }
            usleep(250_000)
        }
        let answer = try #require(notReady, "/readyz never said not ready during the outage; restart log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(answer.body.contains("database failing:") && answer.body.contains("messages wait in the journal"), "\(answer.body)")
        #expect(prometheusSamples(httpGet("\(endpoint)/metrics")?.body ?? "")["ingestd_database_connected"] == 0)
        // Back: ready again, and everything sent during the outage is stored.
        #expect(waitForHTTP("\(endpoint)/readyz", status: 200, timeout: 90)?.status == 200, "\(daemon.output.suffix(2000))")
        #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings", atLeast: sent) == sent)
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("/readyz turns 503 while the database is stopped even when no message arrives, and 200 once it is back")
    func readinessFollowsTheDatabaseWhileIdle() throws {
        let root = TestStack.uniqueTopicRoot("readyidle")
        let dbURL = try TestStack.freshDatabase("readyidle")
        let daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, writerRetry: "200ms"))
        let endpoint = try waitForEndpoint(daemon)
        #expect(waitForHTTP("\(endpoint)/readyz", status: 200, timeout: 20)?.status == 200)
        // Not one message: only the writer's idle probe can notice. The outage outlasts the
        // 10 s the README promises; the poll below ends when /readyz says 503 or the database
        // is back, whichever comes first, and the outcome is what is asserted.
        let log = try TestStack.restartInBackground("postgres", downSeconds: 20)
        let down = Date().addingTimeInterval(30)
        while (try? PostgresConnection(dbURL)) != nil && Date() < down { usleep(100_000) }
        #expect((try? PostgresConnection(dbURL)) == nil, "PostgreSQL did not go down: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        var notReady: (status: Int, body: String)?
        for _ in 0..<100 {
            if let answer = httpGet("\(endpoint)/readyz"), answer.status == 503 {
                notReady = answer
                break
            }
            if (try? PostgresConnection(dbURL)) != nil { break }  // back before /readyz said a word
            usleep(100_000)
        }
        let answer = try #require(notReady, "/readyz never said not ready while the database was stopped and no message came:\n\(daemon.output.suffix(2000))")
        #expect(answer.body.contains("database failing:"), "\(answer.body)")
        #expect(httpGet("\(endpoint)/healthz")?.status == 200, "alive, only not ready")
        #expect(waitForHTTP("\(endpoint)/readyz", status: 200, timeout: 90)?.status == 200, "\(daemon.output.suffix(2000))")
        #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))")
    }

    @Test("an HTTP port already taken stops the start with an error naming http.listen, before anything is consumed")
    func aTakenPortIsAClearError() throws {
        let root = TestStack.uniqueTopicRoot("httpport")
        let dbURL = try TestStack.freshDatabase("httpport")
        let brokerPort = try #require(TestStack.mqttURL?.split(separator: ":").last.map(String.init))
        let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL, httpListen: "127.0.0.1:\(brokerPort)")
        let daemon = try ChildProcess(TestStack.binary("ingestd"), ["run", "--config", config], label: "ingestd")
        let code = daemon.waitForExit(timeout: 20)
        #expect(code != nil && code != 0, "ingestd started with its HTTP port taken:\n\(daemon.output.suffix(2000))")
        #expect(daemon.output.contains("cannot serve the HTTP endpoint on 127.0.0.1:\(brokerPort) (http.listen)"), "\(daemon.output.suffix(2000))")
        #expect(!daemon.output.contains("subscribed"))
    }
}
}
