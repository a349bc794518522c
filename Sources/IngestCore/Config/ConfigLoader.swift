import Yams

/// Reads an `IngestConfig` from YAML. Every problem is a `ConfigError` with file, line and key;
/// a file with problems throws them all at once (`ConfigErrors`, in file order), not only the
/// first. Secrets come from the environment (`password_env`) or a file such as a systemd
/// credential (`password_file`, where `$CREDENTIALS_DIRECTORY` is expanded).
public struct ConfigLoader: Sendable {
    public var environment: [String: String]
    /// Reads a secret file; injected so tests need no files.
    public var readFile: @Sendable (String) -> String?
    /// Checks a broker URL; returns why it is not usable, or nil. Injected because the URL
    /// type belongs to the MQTT wrapper, which this module does not import.
    public var checkBrokerURL: @Sendable (String) -> String?

    public init(environment: [String: String], readFile: @escaping @Sendable (String) -> String?,
                checkBrokerURL: @escaping @Sendable (String) -> String? = { _ in nil }) {
        self.environment = environment
        self.readFile = readFile
        self.checkBrokerURL = checkBrokerURL
    }

    /// The config `text` (read from `file`) gives.
    ///
    /// - Throws: every problem in the file, by line. A YAML syntax error stops the parser, so
    ///   it is reported alone.
    public func load(yaml text: String, file: String) throws(ConfigErrors) -> IngestConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigErrors([Self.syntaxError(error, in: text, file: file)])
        }
        var config = IngestConfig()
        let problems = ConfigProblems()
        if let root, let top = ConfigNode(file: file, path: "", node: root, problems: problems) {
            read(top, into: &config)
        }
        guard problems.found.isEmpty else { throw ConfigErrors(problems.found) }
        return config
    }

    /// Reads every section, each on past its own problems, then the checks across sections
    /// whose inputs were read without a problem.
    private func read(_ top: ConfigNode, into config: inout IngestConfig) {
        top.rejectUnknownKeys(["mqtt", "database", "storage", "writer", "validation", "families", "dedup", "publish", "journal",
                               "stop_timeout", "routes", "alerts", "aggregates", "analytics", "log", "http"])
        if let m = top.section("mqtt") { mqtt(m, into: &config.mqtt) }
        if let d = top.section("database") { database(d, into: &config.database) }
        let storageSection = top.section("storage")
        if let s = storageSection { storage(s, into: &config.storage) }
        if let w = top.section("writer") { writer(w, into: &config.writer) }
        if let v = top.section("validation") { validation(v, into: &config.limits) }
        if let s = storageSection, let retention = config.storage.retention, retention.components.seconds <= config.limits.maxAgeSeconds,
           !s.failed("retention"), !top.failed("validation.max_age") {
            // Else a reading ingestd accepts could land in data already dropped, and the daily
            // partitions kept for late data would be dropped and made again.
            s.report("retention", "expected more than validation.max_age (\(Self.shortText(seconds: config.limits.maxAgeSeconds))), so that every reading ingestd accepts is kept for a while")
        }
        if let f = top.section("families") { families(f, into: &config.families) }
        let dedupSection = top.section("dedup")
        if let d = dedupSection {
            d.rejectUnknownKeys(["window_keys"])
            config.dedupWindow = d.int("window_keys", in: 1...100_000_000) ?? config.dedupWindow
        }
        if config.dedupWindow < config.writer.batchSize, !top.failed("dedup.window_keys"), !top.failed("writer.batch_size") {
            let section = dedupSection ?? top
            section.report(section.path.isEmpty ? "dedup" : "window_keys",
                           "dedup.window_keys (\(config.dedupWindow)) must be at least writer.batch_size (\(config.writer.batchSize)), so that a batch never holds a key the window forgot")
        }
        if let p = top.section("publish") { publish(p, into: &config.publish) }
        if let state = environment["STATE_DIRECTORY"], !state.isEmpty {  // systemd's StateDirectory=
            config.journal.directory = state.split(separator: ":")[0] + "/journal"
        }
        if let j = top.section("journal") { journal(j, into: &config.journal) }
        config.stopTimeout = top.duration("stop_timeout", in: .seconds(1)...Duration.seconds(3600)) ?? config.stopTimeout
        if let l = top.section("log") {
            l.rejectUnknownKeys(["level"])
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            if let level = l.string("level") {
                if levels.contains(level) {
                    config.logLevel = level
                } else {
                    l.report("level", "expected one of \(levels.joined(separator: ", ")), got '\(level)'")
                }
            }
        }
        if let h = top.section("http") { http(h, into: &config.http) }
        if top.value("routes") != nil {
            config.routes = routes(top) ?? config.routes
        }
        if let a = top.section("alerts") {
            // A rule is checked against the routes and states only when they were read whole:
            // else a rule naming a broken route would be blamed for the route's mistake.
            config.alertRules = alertRules(a, routes: top.problems.any(under: "routes") ? nil : config.routes,
                                           states: top.failed("families.equipment_state.states") ? nil : config.families.equipmentState.states)
        }
        if let a = top.section("aggregates") {
            config.aggregates = aggregates(a)
        }
        if let a = top.section("analytics") { config.analytics = analytics(a) }
    }

    /// `storage:` — the engine, partitions, rollups, compression and retention.
    private func storage(_ s: ConfigNode, into storage: inout IngestConfig.Storage) {
        s.rejectUnknownKeys(["engine", "chunk_interval", "partitions_ahead_days", "rollup_refresh", "compress_after", "retention"])
        storage.engine = s.choice("engine", IngestConfig.StorageEngine.self) ?? storage.engine
        storage.chunkInterval = s.duration("chunk_interval", in: .seconds(60)...Duration.seconds(366 * 86_400)) ?? storage.chunkInterval
        storage.partitionsAheadDays = s.int("partitions_ahead_days", in: 1...31) ?? storage.partitionsAheadDays
        storage.rollupRefresh = s.duration("rollup_refresh", in: .seconds(1)...Duration.seconds(86_400)) ?? storage.rollupRefresh
        storage.compressAfter = s.durationOrOff("compress_after", in: .seconds(3_600)...Duration.seconds(100 * 366 * 86_400),
                                                default: storage.compressAfter)
        storage.retention = s.durationOrOff("retention", in: .seconds(86_400)...Duration.seconds(100 * 366 * 86_400),
                                            default: storage.retention)
    }

    /// `writer:` — batching, the write method and the retry backoff.
    private func writer(_ w: ConfigNode, into writer: inout IngestConfig.Writer) {
        w.rejectUnknownKeys(["batch_size", "max_age", "method", "retry_min", "retry_max"])
        writer.batchSize = w.int("batch_size", in: 1...1_000_000) ?? writer.batchSize
        writer.maxAge = w.duration("max_age", in: .milliseconds(1)...Duration.seconds(60)) ?? writer.maxAge
        writer.method = w.choice("method", IngestConfig.WriteMethod.self) ?? writer.method
        writer.retryMin = w.duration("retry_min", in: .milliseconds(10)...Duration.seconds(600)) ?? writer.retryMin
        writer.retryMax = w.duration("retry_max", in: .milliseconds(10)...Duration.seconds(3600)) ?? writer.retryMax
    }

    /// `validation:` — the limits every family shares.
    private func validation(_ v: ConfigNode, into l: inout Limits) {
        v.rejectUnknownKeys(["max_payload_bytes", "max_batch_length", "max_string_length", "max_json_depth",
                             "max_future", "max_age", "dead_letter_payload_bytes"])
        l.maxPayloadBytes = v.int("max_payload_bytes", in: 16...268_435_456) ?? l.maxPayloadBytes
        l.maxBatchLength = v.int("max_batch_length", in: 1...1_000_000) ?? l.maxBatchLength
        l.maxStringLength = v.int("max_string_length", in: 1...65_536) ?? l.maxStringLength
        l.maxJSONDepth = v.int("max_json_depth", in: 1...256) ?? l.maxJSONDepth
        if let f = v.duration("max_future", in: .zero...Duration.seconds(366 * 86_400)) { l.maxFutureSeconds = f.components.seconds }
        if let a = v.duration("max_age", in: .seconds(1)...Duration.seconds(100 * 366 * 86_400)) { l.maxAgeSeconds = a.components.seconds }
        l.deadLetterPayloadBytes = v.int("dead_letter_payload_bytes", in: 0...1_048_576) ?? l.deadLetterPayloadBytes
    }

    /// `publish:` — the topic prefix of what ingestd publishes, and whether dead letters are.
    private func publish(_ p: ConfigNode, into publish: inout IngestConfig.Publish) {
        p.rejectUnknownKeys(["prefix", "dead_letters"])
        if var prefix = p.string("prefix") {
            if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
            if prefix.contains("+") || prefix.contains("#") {
                p.report("prefix", "a topic prefix may not contain '+' or '#'")
            } else {
                publish.prefix = prefix
            }
        }
        publish.deadLetters = p.bool("dead_letters") ?? publish.deadLetters
    }

    /// `families:` — per-family checks: the sensor value's range, battery ranges, the equipment registry and states,
    /// machine-event bounds.
    private func families(_ f: ConfigNode, into settings: inout FamilySettings) {
        f.rejectUnknownKeys(["sensor", "battery", "equipment_state", "machine_event"])
        // The rollups aggregate these: no range reaches past what their sums of squares hold.
        func measure(_ node: ConfigNode, _ key: String, _ value: inout ClosedRange<Double>) {
            value = node.range(key, within: StorageBound.range, limitText: StorageBound.text) ?? value
        }
        if let s = f.section("sensor") {
            s.rejectUnknownKeys(["value"])
            measure(s, "value", &settings.sensor.value)
        }
        if let b = f.section("battery") {
            b.rejectUnknownKeys(["soc", "soh", "temperature", "voltage", "current"])
            measure(b, "soc", &settings.battery.soc)
            measure(b, "soh", &settings.battery.soh)
            measure(b, "temperature", &settings.battery.temperature)
            measure(b, "voltage", &settings.battery.voltage)
            measure(b, "current", &settings.battery.current)
        }
        if let e = f.section("equipment_state") {
            e.rejectUnknownKeys(["states", "equipment"])
            if let states = e.strings("states") {
                if states.isEmpty {
                    e.report("states", "expected at least one state, e.g. [green, yellow, red]")
                } else {
                    settings.equipmentState.states = states
                }
            }
            if let known = e.strings("equipment") {
                settings.equipmentState.knownEquipment = known.isEmpty ? nil : Set(known)
            }
        }
        if let m = f.section("machine_event") {
            m.rejectUnknownKeys(["max_duration", "max_future"])
            if let d = m.duration("max_duration", in: .milliseconds(1)...Duration.seconds(30 * 86_400)) {
                settings.machineEvent.maxDurationMs = d.wholeMilliseconds
            }
            if let d = m.duration("max_future", in: .zero...Duration.seconds(366 * 86_400)) {
                settings.machineEvent.maxFutureSeconds = d.components.seconds
            }
        }
    }

    /// `journal:` — where and how messages are kept until the database has them.
    private func journal(_ j: ConfigNode, into journal: inout IngestConfig.Journal) {
        j.rejectUnknownKeys(["enabled", "path", "fsync", "max_bytes", "segment_bytes"])
        journal.enabled = j.bool("enabled") ?? journal.enabled
        if let path = j.string("path") {
            if path.isEmpty {
                j.report("path", "expected a directory for the journal's segment files")
            } else {
                journal.directory = path
            }
        }
        if let fsync = j.string("fsync") {
            if fsync == "always" {
                journal.sync = .always
            } else if let d = parseDuration(fsync), d >= .milliseconds(10), d <= .seconds(3600) {
                journal.sync = .interval(d)
            } else {
                j.report("fsync", "expected 'always' or an interval from 10ms to 1h such as 1s, got '\(fsync)'")
            }
        }
        journal.segmentBytes = j.int("segment_bytes", in: 65_536...1 << 30) ?? journal.segmentBytes
        journal.maxBytes = j.int("max_bytes", in: 1 << 20...Int.max) ?? journal.maxBytes
        if journal.maxBytes < 2 * journal.segmentBytes, !j.failed("max_bytes"), !j.failed("segment_bytes") {
            j.report("max_bytes", "the journal needs room for at least two segments (2 × segment_bytes = \(2 * journal.segmentBytes))")
        }
    }

    /// Seconds as the config would write them: `7d`, `36h`, `90m` or `45s`.
    static func shortText(seconds: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60)] where seconds % size == 0 && seconds >= size {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }

    /// The one problem a file the YAML parser refuses has: nothing past it can be read.
    private static func syntaxError(_ error: any Error, in text: String, file: String) -> ConfigError {
        switch error {
        case let YamlError.duplicatedKeysInMapping(duplicates, context):
            let name = duplicates.sorted().first ?? ""
            let place = YAMLText(text).repeatedKey(name, after: context.mark.line)
            return ConfigError(file: file, line: place?.line ?? context.mark.line, key: place?.path ?? name,
                               message: "the key '\(name)' appears twice in the same mapping")
        case let error as YamlError:
            return ConfigError(file: file, line: line(of: error), key: "", message: "not valid YAML: \(describe(error))")
        default:
            return ConfigError(file: file, line: nil, key: "", message: "not valid YAML: \(error)")
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.line
        default:
            return nil
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case let .scanner(_, problem, _, _), let .parser(_, problem, _, _), let .composer(_, problem, _, _):
            return problem
        default:
            return "\(error)"
        }
    }
}
