import Foundation
import Testing
@testable import IngestCore

@Suite struct ConfigLoaderTests {
    static let file = "test.yaml"

    /// The documented example, found next to the sources.
    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/ingestd.yaml").path

    func loader(env: [String: String] = [:], files: [String: String] = [:]) -> ConfigLoader {
        ConfigLoader(environment: env, readFile: { files[$0] })
    }

    func load(_ yaml: String, env: [String: String] = [:], files: [String: String] = [:]) throws -> IngestConfig {
        try loader(env: env, files: files).load(yaml: yaml, file: Self.file)
    }

    @Test func aBrokerURLTheCheckRejectsIsReportedWithItsLineAndKey() throws {
        let checking = ConfigLoader(environment: [:], readFile: { _ in nil },
                                    checkBrokerURL: { $0.hasPrefix("mqtt://") ? nil : "unknown scheme" })
        #expect(throws: Never.self) { try checking.load(yaml: "mqtt:\n  url: mqtt://h:1\n", file: Self.file) }
        do {
            _ = try checking.load(yaml: "# broker\nmqtt:\n  client_id: x\n  url: foo://h\n", file: Self.file)
            Issue.record("the config loaded")
        } catch {
            #expect(error.errors.count == 1, "\(error)")
            #expect(error.errors.first?.line == 4)
            #expect(error.errors.first?.key == "mqtt.url")
            #expect(error.description.contains("unknown scheme"))
        }
    }

    /// Every error loading `yaml` fails with, in the order reported; records an issue when it loads.
    func loadErrors(_ yaml: String, env: [String: String] = [:], files: [String: String] = [:],
                    sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigError]? {
        do {
            _ = try loader(env: env, files: files).load(yaml: yaml, file: Self.file)
            Issue.record("the config loaded", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error.errors
        }
    }

    /// The one error loading `yaml` fails with; records an issue when it loads, or when it fails
    /// with more than one (a mistake must not drag in others that are not there).
    func loadError(_ yaml: String, env: [String: String] = [:], files: [String: String] = [:],
                   sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        guard let errors = loadErrors(yaml, env: env, files: files, sourceLocation: sourceLocation) else { return nil }
        #expect(errors.count == 1, "expected one error, got:\n\(ConfigErrors(errors))", sourceLocation: sourceLocation)
        return errors.first
    }

    /// Checks file, line, key and that the message and description hold `message`.
    func expectError(_ yaml: String, line: Int?, key: String, message: String, env: [String: String] = [:],
                     files: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let e = loadError(yaml, env: env, files: files, sourceLocation: sourceLocation) else { return }
        #expect(e.file == Self.file, sourceLocation: sourceLocation)
        #expect(e.line == line, "\(e)", sourceLocation: sourceLocation)
        #expect(e.key == key, "\(e)", sourceLocation: sourceLocation)
        #expect(e.message.contains(message), "\(e.message)", sourceLocation: sourceLocation)
        #expect(e.description.contains(message), sourceLocation: sourceLocation)
        let place = line.map { "\(Self.file):\($0)" } ?? Self.file
        #expect(e.description.hasPrefix(key.isEmpty ? "\(place): " : "\(place): key '\(key)': "), "\(e)",
                sourceLocation: sourceLocation)
    }

    func expectDefaults(_ c: IngestConfig, sourceLocation: SourceLocation = #_sourceLocation) {
        let d = IngestConfig()
        #expect(c.mqtt.url == d.mqtt.url, sourceLocation: sourceLocation)
        #expect(c.mqtt.clientID == d.mqtt.clientID, sourceLocation: sourceLocation)
        #expect(c.mqtt.cleanSession == d.mqtt.cleanSession, sourceLocation: sourceLocation)
        #expect(c.mqtt.username == nil && c.mqtt.password == nil && c.mqtt.caFile == nil, sourceLocation: sourceLocation)
        #expect(c.mqtt.keepaliveSeconds == d.mqtt.keepaliveSeconds, sourceLocation: sourceLocation)
        #expect(c.mqtt.reconnectMin == d.mqtt.reconnectMin, sourceLocation: sourceLocation)
        #expect(c.mqtt.reconnectMax == d.mqtt.reconnectMax, sourceLocation: sourceLocation)
        #expect(c.mqtt.queueCapacity == d.mqtt.queueCapacity, sourceLocation: sourceLocation)
        #expect(c.database.url == d.database.url, sourceLocation: sourceLocation)
        #expect(c.database.password == nil, sourceLocation: sourceLocation)
        #expect(c.database.migrateOnStart == d.database.migrateOnStart, sourceLocation: sourceLocation)
        #expect(c.storage.engine == d.storage.engine, sourceLocation: sourceLocation)
        #expect(c.storage.chunkInterval == d.storage.chunkInterval, sourceLocation: sourceLocation)
        #expect(c.storage.partitionsAheadDays == d.storage.partitionsAheadDays, sourceLocation: sourceLocation)
        #expect(c.storage.rollupRefresh == d.storage.rollupRefresh, sourceLocation: sourceLocation)
        #expect(c.storage.compressAfter == d.storage.compressAfter, sourceLocation: sourceLocation)
        #expect(c.storage.retention == d.storage.retention, sourceLocation: sourceLocation)
        #expect(c.writer.batchSize == d.writer.batchSize, sourceLocation: sourceLocation)
        #expect(c.writer.maxAge == d.writer.maxAge, sourceLocation: sourceLocation)
        #expect(c.writer.method == d.writer.method, sourceLocation: sourceLocation)
        #expect(c.writer.retryMin == d.writer.retryMin, sourceLocation: sourceLocation)
        #expect(c.writer.retryMax == d.writer.retryMax, sourceLocation: sourceLocation)
        #expect(c.limits == d.limits, sourceLocation: sourceLocation)
        #expect(c.dedupWindow == d.dedupWindow, sourceLocation: sourceLocation)
        #expect(c.publish.prefix == d.publish.prefix, sourceLocation: sourceLocation)
        #expect(c.publish.deadLetters == d.publish.deadLetters, sourceLocation: sourceLocation)
        #expect(c.families == d.families, sourceLocation: sourceLocation)
        #expect(c.routes == d.routes, sourceLocation: sourceLocation)
        #expect(c.logLevel == d.logLevel, sourceLocation: sourceLocation)
        #expect(c.mqtt.sharedGroup == nil, sourceLocation: sourceLocation)
        #expect(c.journal.enabled == d.journal.enabled, sourceLocation: sourceLocation)
        #expect(c.journal.directory == d.journal.directory, sourceLocation: sourceLocation)
        #expect(c.journal.sync == d.journal.sync, sourceLocation: sourceLocation)
        #expect(c.journal.maxBytes == d.journal.maxBytes, sourceLocation: sourceLocation)
        #expect(c.journal.segmentBytes == d.journal.segmentBytes, sourceLocation: sourceLocation)
        #expect(c.stopTimeout == d.stopTimeout, sourceLocation: sourceLocation)
        #expect(c.http == d.http, sourceLocation: sourceLocation)
        #expect(c.mqtt.certFile == nil && c.mqtt.keyFile == nil, sourceLocation: sourceLocation)
        #expect(c.database.ownerURL == nil && c.database.ownerPassword == nil, sourceLocation: sourceLocation)
    }

    // MARK: The documented example

    @Test func documentedExampleLoadsWithTheDefaults() throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let c = try loader().load(yaml: text, file: Self.examplePath)
        expectDefaults(c)
        #expect(c.routes == IngestConfig.defaultRoutes)
        #expect(IngestConfig().limits == Limits())
    }

    /// The example shows every key with its default, commented out: uncommenting them all must
    /// change nothing.
    @Test func defaultsShownInTheExampleAreTheBuiltInDefaults() throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let keys: Set<String> = [
            "clean_session", "keepalive", "reconnect_min", "reconnect_max", "queue_capacity", "migrate_on_start",
            "engine", "chunk_interval", "partitions_ahead_days", "rollup_refresh", "compress_after", "retention", "batch_size", "max_age", "method", "retry_min",
            "retry_max", "max_payload_bytes", "max_batch_length", "max_string_length", "max_json_depth", "max_future",
            "dead_letter_payload_bytes", "window_keys", "prefix", "dead_letters", "level",
            "enabled", "path", "fsync", "max_bytes", "segment_bytes", "windows", "grace", "families", "listen",
        ]
        let topLevelKeys: Set<String> = ["stop_timeout"]
        var uncommented = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("# "), let colon = line.firstIndex(of: ":"),
               topLevelKeys.contains(String(line[line.index(line.startIndex, offsetBy: 2)..<colon])) {
                uncommented += 1
                return String(line.dropFirst(2))
            }
            guard line.hasPrefix("  # "), let colon = line.firstIndex(of: ":") else { return String(line) }
            let key = line[line.index(line.startIndex, offsetBy: 4)..<colon]
            guard keys.contains(String(key)) else { return String(line) }
            uncommented += 1
            return "  " + line.dropFirst(4)
        }
        #expect(uncommented == 39, "every key with a default should be shown in the example (max_age and enabled twice)")
        let c = try loader().load(yaml: lines.joined(separator: "\n"), file: Self.examplePath)
        expectDefaults(c)
        #expect(c.aggregates == AggregateSettings())
    }

    @Test func emptyFileGivesTheDefaults() throws {
        expectDefaults(try load(""))
        expectDefaults(try load("# only a comment\n"))
        expectDefaults(try load("mqtt:\nwriter:\n"))
    }

    // MARK: Values

    @Test func readsEverySection() throws {
        let c = try load("""
            mqtt:
              url: mqtts://broker:8883
              client_id: plant-a
              clean_session: yes
              username: ingest
              ca_file: /etc/ssl/ca.pem
              keepalive: 2m
              reconnect_min: 250ms
              reconnect_max: 1m
              queue_capacity: 1_000
            database:
              url: postgresql://x@db/ingest
              migrate_on_start: false
            storage:
              engine: partitions
              chunk_interval: 12h
              partitions_ahead_days: 7
            writer:
              batch_size: 2000
              max_age: 1.5s
              method: unnest
              retry_min: 100ms
              retry_max: 10
            validation:
              max_payload_bytes: 1024
              max_batch_length: 50
              max_string_length: 64
              max_json_depth: 4
              max_future: 0s
              max_age: 30d
              dead_letter_payload_bytes: 0
            dedup:
              window_keys: 2000
            publish:
              prefix: site-a/ingestd
              dead_letters: off
            log:
              level: debug
            routes:
              - topic: plant/{site}/{line}/sensor/{device}/{metric}
                family: sensor
              - topic: raw/{device}/{metric}
                family: sensor
                format: number
            """)
        #expect(c.mqtt.url == "mqtts://broker:8883")
        #expect(c.mqtt.clientID == "plant-a")
        #expect(c.mqtt.cleanSession == true)
        #expect(c.mqtt.username == "ingest")
        #expect(c.mqtt.caFile == "/etc/ssl/ca.pem")
        #expect(c.mqtt.keepaliveSeconds == 120)
        #expect(c.mqtt.reconnectMin == .milliseconds(250))
        #expect(c.mqtt.reconnectMax == .seconds(60))
        #expect(c.mqtt.queueCapacity == 1_000)
        #expect(c.database.url == "postgresql://x@db/ingest")
        #expect(c.database.migrateOnStart == false)
        #expect(c.storage.engine == .partitions)
        #expect(c.storage.chunkInterval == .seconds(43_200))
        #expect(c.storage.partitionsAheadDays == 7)
        #expect(c.writer.batchSize == 2000)
        #expect(c.writer.maxAge == .milliseconds(1500))
        #expect(c.writer.method == .unnest)
        #expect(c.writer.retryMin == .milliseconds(100))
        #expect(c.writer.retryMax == .seconds(10))
        var l = Limits()
        l.maxPayloadBytes = 1024
        l.maxBatchLength = 50
        l.maxStringLength = 64
        l.maxJSONDepth = 4
        l.maxFutureSeconds = 0
        l.maxAgeSeconds = 30 * 86_400
        l.deadLetterPayloadBytes = 0
        #expect(c.limits == l)
        #expect(c.dedupWindow == 2000)
        #expect(c.publish.prefix == "site-a/ingestd/")
        #expect(c.publish.deadLetters == false)
        #expect(c.logLevel == "debug")
        #expect(c.routes == [
            Route(pattern: try TopicPattern("plant/{site}/{line}/sensor/{device}/{metric}"), family: .sensor, format: .json),
            Route(pattern: try TopicPattern("raw/{device}/{metric}"), family: .sensor, format: .number),
        ])
    }

    @Test(arguments: [
        ("200ms", Duration.milliseconds(200)), ("5s", .seconds(5)), ("15m", .seconds(900)), ("2h", .seconds(7200)),
        ("7d", .seconds(604_800)), ("7", .seconds(7)), ("0.5", .milliseconds(500)), ("1_000ms", .seconds(1)),
        ("2.5m", .seconds(150)), (" 3s ", .seconds(3)), ("0", .zero),
    ])
    func readsDurationsWithUnits(text: String, expected: Duration) {
        #expect(parseDuration(text) == expected)
    }

    @Test func durationsInTheFileAreReadWithTheirUnits() throws {
        let c = try load("mqtt:\n  reconnect_min: 150ms\n  reconnect_max: 2m\nstorage:\n  chunk_interval: 2d\n")
        #expect(c.mqtt.reconnectMin == .milliseconds(150))
        #expect(c.mqtt.reconnectMax == .seconds(120))
        #expect(c.storage.chunkInterval == .seconds(2 * 86_400))
    }

    // MARK: Errors carry file, line and key

    @Test func unknownKeyIsReportedWithADidYouMeanHint() {
        expectError("writer:\n  batch_sise: 100\n", line: 2, key: "writer.batch_sise",
                    message: "unknown key (did you mean 'batch_size'?)")
        expectError("mqqt: {url: mqtt://x}\n", line: 1, key: "mqqt", message: "did you mean 'mqtt'?")
        expectError("routes:\n  - topic: a/{device}/{metric}\n    famly: sensor\n", line: 3, key: "routes[0].famly",
                    message: "did you mean 'family'?")
    }

    /// The line is the key's, not that of the first key of the mapping under it.
    @Test func unknownSectionKeyIsReportedOnTheKeysLine() {
        expectError("# comment\nmqqt:\n  url: mqtt://x\n", line: 2, key: "mqqt", message: "did you mean 'mqtt'?")
    }

    @Test("a short unknown key that shares no letter with a known one gets no hint: qos is not url")
    func aShortKeyFarFromAnyKnownOneGetsNoHint() throws {
        let e = try #require(loadError("mqtt:\n  qos: 1\n"))
        #expect(e.key == "mqtt.qos" && e.line == 2)
        #expect(!e.message.contains("did you mean"), "\(e.message)")
        let near = try #require(loadError("log:\n  levle: debug\n"))
        #expect(near.message.contains("did you mean 'level'?"), "\(near.message)")
    }

    @Test func unknownKeyFarFromAnyKnownOneGetsNoHint() throws {
        let e = try #require(loadError("writer:\n  frobnicate_everything: 1\n"))
        #expect(e.key == "writer.frobnicate_everything")
        #expect(e.line == 2)
        #expect(!e.message.contains("did you mean"))
        #expect(e.message.contains("known keys here: batch_size, max_age, method, retry_min, retry_max"))
    }

    @Test func wrongTypeIsReportedOnItsOwnLine() {
        expectError("""
            mqtt:
              url: mqtt://x
            writer:
              max_age: 1s
              batch_size: abc
              method: copy
            """, line: 5, key: "writer.batch_size", message: "expected a whole number, got 'abc'")
    }

    @Test func wrongTypesOfEveryKind() {
        expectError("mqtt:\n  clean_session: maybe\n", line: 2, key: "mqtt.clean_session",
                    message: "expected true or false, got 'maybe'")
        expectError("mqtt:\n  url: [a, b]\n", line: 2, key: "mqtt.url", message: "expected a string, got a list")
        expectError("writer: 5\n", line: 1, key: "writer", message: "expected a mapping of keys, got '5'")
        expectError("writer:\n  method: fast\n", line: 2, key: "writer.method", message: "expected one of copy, unnest, got 'fast'")
        expectError("storage:\n  engine: mysql\n", line: 2, key: "storage.engine",
                    message: "expected one of auto, timescaledb, partitions, got 'mysql'")
        expectError("log:\n  level: loud\n", line: 2, key: "log.level", message: "expected one of trace, debug")
    }

    @Test func outOfRangeValueIsRejected() {
        expectError("writer:\n  batch_size: 0\n", line: 2, key: "writer.batch_size",
                    message: "expected a number from 1 to 1000000, got 0")
        expectError("validation:\n  max_json_depth: 300\n", line: 2, key: "validation.max_json_depth",
                    message: "expected a number from 1 to 256, got 300")
        expectError("writer:\n  max_age: 2m\n", line: 2, key: "writer.max_age", message: "expected a duration from")
        expectError("mqtt:\n  keepalive: 1s\n", line: 2, key: "mqtt.keepalive", message: "expected a duration from")
    }

    @Test(arguments: ["soon", "5 minutes", "-1s", "s", "ms", "1x", "inf", "1.2.3s"])
    func badDurationIsRejected(text: String) {
        expectError("\nwriter:\n  max_age: \(text)\n", line: 3, key: "writer.max_age",
                    message: "expected a duration such as 200ms, 5s, 15m, 2h or 7d, got '\(text)'")
    }

    @Test func duplicateKeyIsRejected() throws {
        let e = try #require(loadError("writer:\n  batch_size: 1\n  batch_size: 2\n"))
        #expect(e.line == 2 || e.line == 3, "\(e)")
        #expect(e.key == "writer.batch_size", "\(e)")
        #expect(e.message.contains("batch_size"), "\(e)")
    }

    @Test func emptyClientIDIsRejected() {
        expectError("mqtt:\n  client_id: ''\n", line: 2, key: "mqtt.client_id", message: "expected a non-empty client id")
    }

    @Test func publishPrefixGetsATrailingSlashAndMayNotHoldWildcards() throws {
        #expect(try load("publish:\n  prefix: x\n").publish.prefix == "x/")
        #expect(try load("publish:\n  prefix: x/\n").publish.prefix == "x/")
        #expect(try load("publish:\n  prefix: ''\n").publish.prefix == "")
        expectError("publish:\n  prefix: a/+/b\n", line: 2, key: "publish.prefix", message: "may not contain '+' or '#'")
    }

    // MARK: Routes

    @Test func badTopicPatternIsReportedAtTheRouteTopic() {
        expectError("""
            routes:
              - topic: a/{device}/{metric}
                family: sensor
              - topic: a/#/b
                family: sensor
            """, line: 4, key: "routes[1].topic", message: "'#' may only be the last level")
        expectError("routes:\n  - topic: a+b/{device}\n    family: sensor\n", line: 2, key: "routes[0].topic",
                    message: "invalid topic pattern 'a+b/{device}'")
    }

    @Test func unknownFamilyIsRejectedNamingTheSupportedOnes() {
        expectError("routes:\n  - topic: a/{device}/{metric}\n    family: alarm\n", line: 3, key: "routes[0].family",
                    message: "unknown family 'alarm'; supported: sensor, battery, equipment_state, machine_event")
    }

    @Test func missingRouteTopicOrFamilyIsRejected() {
        expectError("routes:\n  - family: sensor\n", line: 2, key: "routes[0].topic", message: "every route needs a topic pattern")
        expectError("routes:\n  - topic: a/{device}/{metric}\n", line: 2, key: "routes[0].family",
                    message: "every route needs a family (supported: sensor, battery, equipment_state, machine_event)")
    }

    @Test func badRouteFormatIsRejected() {
        expectError("routes:\n  - topic: a/{device}/{metric}\n    family: sensor\n    format: xml\n", line: 4,
                    key: "routes[0].format", message: "expected one of json, number, got 'xml'")
    }

    @Test func routesMustBeANonEmptyList() {
        expectError("routes: []\n", line: 1, key: "routes", message: "expected at least one route")
        expectError("routes: {topic: x}\n", line: 1, key: "routes", message: "expected a list of routes, got a mapping")
        expectError("routes:\n  - just-a-topic\n", line: 2, key: "routes[0]", message: "expected a mapping of keys")
    }

    // MARK: Secrets

    @Test func passwordEnvReadsTheEnvironment() throws {
        let c = try load("mqtt:\n  password_env: MQTT_PW\ndatabase:\n  password_env: DB_PW\n",
                         env: ["MQTT_PW": "m-secret", "DB_PW": "d-secret"])
        #expect(c.mqtt.password == "m-secret")
        #expect(c.database.password == "d-secret")
    }

    @Test func passwordEnvNamingAnUnsetVariableIsRejected() {
        expectError("mqtt:\n  url: mqtt://x\n  password_env: MQTT_PW\n", line: 3, key: "mqtt.password_env",
                    message: "the environment variable MQTT_PW is not set", env: ["OTHER": "x"])
        expectError("database:\n  password_env: DB_PW\n", line: 2, key: "database.password_env",
                    message: "the environment variable DB_PW is not set")
    }

    @Test func passwordFileExpandsCredentialsDirectoryAndTrimsTheSecret() throws {
        let c = try load("""
            mqtt:
              password_file: $CREDENTIALS_DIRECTORY/mqtt-password
            database:
              password_file: /etc/ingestd/db-password
            """,
            env: ["CREDENTIALS_DIRECTORY": "/run/credentials/ingestd.service"],
            files: ["/run/credentials/ingestd.service/mqtt-password": "  m-secret\n",
                    "/etc/ingestd/db-password": "d-secret\n"])
        #expect(c.mqtt.password == "m-secret")
        #expect(c.database.password == "d-secret")
    }

    /// A secret file written on Windows ends in "\r\n", one Character in Swift.
    @Test func passwordFileWithACRLFLineEndingIsTrimmed() throws {
        let c = try load("database:\n  password_file: /etc/ingestd/db-password\n",
                         files: ["/etc/ingestd/db-password": "d-secret\r\n"])
        #expect(c.database.password == "d-secret")
    }

    @Test func passwordFileWithoutCredentialsDirectoryIsRejected() {
        expectError("database:\n  password_file: $CREDENTIALS_DIRECTORY/db\n", line: 2, key: "database.password_file",
                    message: "$CREDENTIALS_DIRECTORY is not set")
    }

    @Test func unreadablePasswordFileIsRejectedNamingTheExpandedPath() {
        expectError("database:\n  password_file: $CREDENTIALS_DIRECTORY/db\n", line: 2, key: "database.password_file",
                    message: "cannot read /run/creds/db", env: ["CREDENTIALS_DIRECTORY": "/run/creds"])
    }

    // MARK: Cross-checks

    @Test func dedupWindowSmallerThanBatchSizeIsRejected() {
        expectError("writer:\n  batch_size: 1000\ndedup:\n  window_keys: 999\n", line: 4, key: "dedup.window_keys",
                    message: "dedup.window_keys (999) must be at least writer.batch_size (1000)")
    }

    @Test func dedupWindowEqualToBatchSizeIsAccepted() throws {
        let c = try load("writer:\n  batch_size: 1000\ndedup:\n  window_keys: 1000\n")
        #expect(c.dedupWindow == 1000)
        #expect(c.writer.batchSize == 1000)
    }

    @Test func batchSizeAboveTheDefaultDedupWindowIsRejected() throws {
        let e = try #require(loadError("writer:\n  batch_size: 300000\n"))
        #expect(e.key == "dedup")
        #expect(e.message.contains("dedup.window_keys (200000) must be at least writer.batch_size (300000)"))
    }

    // MARK: YAML

    @Test func invalidYAMLReportsALine() throws {
        let e = try #require(loadError("mqtt:\n  url: mqtt://x\n  client_id: [unclosed\nwriter:\n  batch_size: 1\n"))
        #expect(e.file == Self.file)
        #expect(e.key == "")
        #expect(e.message.hasPrefix("not valid YAML: "))
        let line = try #require(e.line)
        #expect((3...5).contains(line), "\(e)")
        #expect(e.description.hasPrefix("\(Self.file):\(line): not valid YAML: "))
    }

    @Test func badIndentationReportsItsLine() throws {
        let e = try #require(loadError("mqtt:\n  url: mqtt://x\n client_id: y\n"))
        #expect(e.line == 3, "\(e)")
        #expect(e.message.hasPrefix("not valid YAML: "))
    }

    @Test func topLevelThatIsNotAMappingIsRejected() {
        expectError("- a\n- b\n", line: 1, key: "", message: "expected a mapping of keys, got a list")
    }

    // MARK: Journal, stop timeout, shared subscriptions

    @Test func journalStopTimeoutAndSharedGroupDefaults() throws {
        let c = try load("")
        #expect(c.journal.enabled)
        #expect(c.journal.directory == "/var/lib/ingestd/journal")
        #expect(c.journal.sync == .interval(.seconds(1)))
        #expect(c.journal.maxBytes == 1 << 30)
        #expect(c.journal.segmentBytes == 8 << 20)
        #expect(c.stopTimeout == .seconds(20))
        #expect(c.mqtt.sharedGroup == nil)
        // A section whose keys are all commented out, as in the shipped example.
        let empty = try load("journal:\n  # fsync: 1s\n")
        #expect(empty.journal.sync == .interval(.seconds(1)))
        #expect(empty.journal.directory == "/var/lib/ingestd/journal")
    }

    @Test func readsTheJournalSection() throws {
        let c = try load("""
            journal:
              enabled: false
              path: /data/ingestd/journal
              fsync: 250ms
              max_bytes: 268_435_456
              segment_bytes: 4_194_304
            stop_timeout: 45s
            """)
        #expect(c.journal.enabled == false)
        #expect(c.journal.directory == "/data/ingestd/journal")
        #expect(c.journal.sync == .interval(.milliseconds(250)))
        #expect(c.journal.maxBytes == 256 << 20)
        #expect(c.journal.segmentBytes == 4 << 20)
        #expect(c.stopTimeout == .seconds(45))
    }

    @Test(arguments: [
        ("always", IngestConfig.Journal.Sync.always), ("250ms", .interval(.milliseconds(250))), ("1s", .interval(.seconds(1))),
        ("10ms", .interval(.milliseconds(10))), ("2m", .interval(.seconds(120))), ("1h", .interval(.seconds(3600))),
        ("5", .interval(.seconds(5))),
    ])
    func fsyncIsAlwaysOrAnInterval(text: String, expected: IngestConfig.Journal.Sync) throws {
        #expect(try load("journal:\n  fsync: \(text)\n").journal.sync == expected)
    }

    @Test(arguments: ["sometimes", "never", "Always", "5ms", "0", "2h", "-1s", "1x"])
    func badFsyncIsRejectedWithFileLineAndKey(text: String) {
        expectError("# the journal\njournal:\n  enabled: true\n  fsync: \(text)\n", line: 4, key: "journal.fsync",
                    message: "expected 'always' or an interval from 10ms to 1h such as 1s, got '\(text)'")
    }

    @Test func maxBytesSmallerThanTwoSegmentsIsRefused() throws {
        expectError("journal:\n  segment_bytes: 8_388_608\n  max_bytes: 16_777_215\n", line: 3, key: "journal.max_bytes",
                    message: "the journal needs room for at least two segments (2 × segment_bytes = 16777216)")
        // With the default segment size (8 MiB).
        expectError("journal:\n  max_bytes: 10_485_760\n", line: 2, key: "journal.max_bytes",
                    message: "at least two segments (2 × segment_bytes = 16777216)")
        let c = try load("journal:\n  segment_bytes: 8_388_608\n  max_bytes: 16_777_216\n")
        #expect(c.journal.maxBytes == 2 * c.journal.segmentBytes)
    }

    @Test func journalSizesOutOfRangeAreRefused() {
        expectError("journal:\n  segment_bytes: 4096\n", line: 2, key: "journal.segment_bytes",
                    message: "expected a number from 65536 to 1073741824, got 4096")
        expectError("journal:\n  max_bytes: 1000\n", line: 2, key: "journal.max_bytes",
                    message: "expected a number from 1048576 to")
        expectError("journal:\n  max_bytes: 1GiB\n", line: 2, key: "journal.max_bytes", message: "expected a whole number, got '1GiB'")
    }

    @Test func unknownJournalKeyGetsAHint() {
        expectError("journal:\n  fsynk: 1s\n", line: 2, key: "journal.fsynk", message: "did you mean 'fsync'?")
        expectError("journal:\n  directory: /x\n", line: 2, key: "journal.directory",
                    message: "known keys here: enabled, path, fsync, max_bytes, segment_bytes")
    }

    @Test func emptyJournalPathIsRefused() {
        expectError("journal:\n  path: ''\n", line: 2, key: "journal.path", message: "expected a directory")
    }

    /// systemd's StateDirectory=ingestd sets STATE_DIRECTORY=/var/lib/ingestd.
    @Test func stateDirectorySetsTheJournalPath() throws {
        #expect(try load("", env: ["STATE_DIRECTORY": "/var/lib/ingestd"]).journal.directory == "/var/lib/ingestd/journal")
        #expect(try load("journal:\n  fsync: 1s\n", env: ["STATE_DIRECTORY": "/srv/state"]).journal.directory
                == "/srv/state/journal")
        // Several StateDirectory= entries arrive joined by ':'; the journal takes the first.
        #expect(try load("", env: ["STATE_DIRECTORY": "/var/lib/ingestd:/var/lib/other"]).journal.directory
                == "/var/lib/ingestd/journal")
        #expect(try load("", env: ["STATE_DIRECTORY": ""]).journal.directory == "/var/lib/ingestd/journal")
    }

    @Test func anExplicitJournalPathWinsOverStateDirectory() throws {
        let c = try load("journal:\n  path: /data/journal\n", env: ["STATE_DIRECTORY": "/var/lib/ingestd"])
        #expect(c.journal.directory == "/data/journal")
    }

    @Test func sharedGroupIsRead() throws {
        #expect(try load("mqtt:\n  shared_group: ingestd\n").mqtt.sharedGroup == "ingestd")
        #expect(try load("mqtt:\n  shared_group: plant-a_ingest\n").mqtt.sharedGroup == "plant-a_ingest")
    }

    @Test(arguments: ["ingest/a", "/", "a+", "'#'", "''", "'a/#'"])
    func sharedGroupWithATopicSeparatorOrWildcardIsRefused(text: String) {
        expectError("mqtt:\n  client_id: ingestd-1\n  shared_group: \(text)\n", line: 3, key: "mqtt.shared_group",
                    message: "expected a group name without '/', '+' or '#', e.g. ingestd")
    }

    @Test func stopTimeoutIsParsedAndBounded() throws {
        #expect(try load("stop_timeout: 45s\n").stopTimeout == .seconds(45))
        #expect(try load("stop_timeout: 2m\n").stopTimeout == .seconds(120))
        #expect(try load("stop_timeout: 10\n").stopTimeout == .seconds(10))
        expectError("log:\n  level: info\nstop_timeout: 500ms\n", line: 3, key: "stop_timeout", message: "expected a duration from")
        expectError("stop_timeout: 2h\n", line: 1, key: "stop_timeout", message: "expected a duration from")
        expectError("stop_timeout: soon\n", line: 1, key: "stop_timeout",
                    message: "expected a duration such as 200ms, 5s, 15m, 2h or 7d, got 'soon'")
    }
}
