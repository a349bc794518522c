import Yams

/// Reads an `IngestConfig` from YAML. Every problem is a `ConfigError` with file, line and key.
/// Secrets come from the environment (`password_env`) or a file such as a systemd credential
/// (`password_file`, where `$CREDENTIALS_DIRECTORY` is expanded).
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

    public func load(yaml text: String, file: String) throws(ConfigError) -> IngestConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            let name = duplicates.sorted().first ?? ""
            let place = YAMLText(text).repeatedKey(name, after: context.mark.line)
            throw ConfigError(file: file, line: place?.line ?? context.mark.line, key: place?.path ?? name,
                              message: "the key '\(name)' appears twice in the same mapping")
        } catch let error as YamlError {
            throw ConfigError(file: file, line: Self.line(of: error), key: "", message: "not valid YAML: \(Self.describe(error))")
        } catch {
            throw ConfigError(file: file, line: nil, key: "", message: "not valid YAML: \(error)")
        }
        var config = IngestConfig()
        guard let root else { return config }
        let top = try ConfigNode(file: file, path: "", node: root)
        try top.rejectUnknownKeys(["mqtt", "database", "storage", "writer", "validation", "families", "dedup", "publish", "journal",
                                  "stop_timeout", "routes", "alerts", "aggregates", "log", "http"])

        if let m = try top.section("mqtt") {
            try m.rejectUnknownKeys(["url", "client_id", "clean_session", "username", "password_env", "password_file",
                                     "ca_file", "cert_file", "key_file", "keepalive", "reconnect_min", "reconnect_max", "queue_capacity", "shared_group"])
            config.mqtt.url = try m.string("url") ?? config.mqtt.url
            if let reason = checkBrokerURL(config.mqtt.url) { throw m.error("url", reason) }
            config.mqtt.clientID = try m.string("client_id") ?? config.mqtt.clientID
            if config.mqtt.clientID.isEmpty || config.mqtt.clientID.utf8.count > 65_535 {
                throw m.error("client_id", "expected a non-empty client id (a persistent session is kept under it)")
            }
            config.mqtt.cleanSession = try m.bool("clean_session") ?? false
            config.mqtt.username = try m.string("username")
            config.mqtt.password = try secret(m)
            config.mqtt.caFile = try m.string("ca_file")
            config.mqtt.certFile = try m.string("cert_file")
            config.mqtt.keyFile = try m.string("key_file")
            if (config.mqtt.certFile == nil) != (config.mqtt.keyFile == nil) {
                throw m.error(config.mqtt.certFile == nil ? "key_file" : "cert_file",
                              "a client certificate needs both cert_file and key_file")
            }
            if config.mqtt.certFile != nil, !config.mqtt.url.lowercased().hasPrefix("mqtts://") {
                throw m.error("cert_file", "a client certificate is sent only over TLS: use an mqtts:// url")
            }
            if let k = try m.duration("keepalive", in: .seconds(5)...Duration.seconds(3600)) {
                config.mqtt.keepaliveSeconds = Int(k.components.seconds)
            }
            config.mqtt.reconnectMin = try m.duration("reconnect_min", in: .milliseconds(100)...Duration.seconds(3600)) ?? config.mqtt.reconnectMin
            config.mqtt.reconnectMax = try m.duration("reconnect_max", in: .milliseconds(100)...Duration.seconds(3600)) ?? config.mqtt.reconnectMax
            config.mqtt.queueCapacity = try m.int("queue_capacity", in: 1...10_000_000) ?? config.mqtt.queueCapacity
            if let group = try m.string("shared_group") {
                if group.isEmpty || group.contains(where: { "/+#".contains($0) }) {
                    throw m.error("shared_group", "expected a group name without '/', '+' or '#', e.g. ingestd")
                }
                config.mqtt.sharedGroup = group
            }
        }
        if let d = try top.section("database") {
            try d.rejectUnknownKeys(["url", "password_env", "password_file", "owner_url", "owner_password_env",
                                     "owner_password_file", "migrate_on_start"])
            config.database.url = try d.string("url") ?? config.database.url
            config.database.password = try secret(d)
            config.database.ownerURL = try d.string("owner_url")
            config.database.ownerPassword = try secret(d, prefix: "owner_")
            config.database.migrateOnStart = try d.bool("migrate_on_start") ?? true
        }
        if let s = try top.section("storage") {
            try s.rejectUnknownKeys(["engine", "chunk_interval", "partitions_ahead_days", "rollup_refresh", "compress_after", "retention"])
            config.storage.engine = try s.choice("engine", IngestConfig.StorageEngine.self) ?? .auto
            config.storage.chunkInterval = try s.duration("chunk_interval", in: .seconds(60)...Duration.seconds(366 * 86_400)) ?? config.storage.chunkInterval
            config.storage.partitionsAheadDays = try s.int("partitions_ahead_days", in: 1...365) ?? config.storage.partitionsAheadDays
            config.storage.rollupRefresh = try s.duration("rollup_refresh", in: .seconds(1)...Duration.seconds(86_400)) ?? config.storage.rollupRefresh
            config.storage.compressAfter = try s.durationOrOff("compress_after", in: .seconds(3_600)...Duration.seconds(100 * 366 * 86_400),
                                                               default: config.storage.compressAfter)
            config.storage.retention = try s.durationOrOff("retention", in: .seconds(86_400)...Duration.seconds(100 * 366 * 86_400),
                                                           default: config.storage.retention)
        }
        if let w = try top.section("writer") {
            try w.rejectUnknownKeys(["batch_size", "max_age", "method", "retry_min", "retry_max"])
            config.writer.batchSize = try w.int("batch_size", in: 1...1_000_000) ?? config.writer.batchSize
            config.writer.maxAge = try w.duration("max_age", in: .milliseconds(1)...Duration.seconds(60)) ?? config.writer.maxAge
            config.writer.method = try w.choice("method", IngestConfig.WriteMethod.self) ?? config.writer.method
            config.writer.retryMin = try w.duration("retry_min", in: .milliseconds(10)...Duration.seconds(600)) ?? config.writer.retryMin
            config.writer.retryMax = try w.duration("retry_max", in: .milliseconds(10)...Duration.seconds(3600)) ?? config.writer.retryMax
        }
        if let v = try top.section("validation") {
            try v.rejectUnknownKeys(["max_payload_bytes", "max_batch_length", "max_string_length", "max_json_depth",
                                     "max_future", "max_age", "dead_letter_payload_bytes"])
            var l = config.limits
            l.maxPayloadBytes = try v.int("max_payload_bytes", in: 16...268_435_456) ?? l.maxPayloadBytes
            l.maxBatchLength = try v.int("max_batch_length", in: 1...1_000_000) ?? l.maxBatchLength
            l.maxStringLength = try v.int("max_string_length", in: 1...65_536) ?? l.maxStringLength
            l.maxJSONDepth = try v.int("max_json_depth", in: 1...256) ?? l.maxJSONDepth
            if let f = try v.duration("max_future", in: .zero...Duration.seconds(366 * 86_400)) { l.maxFutureSeconds = f.components.seconds }
            if let a = try v.duration("max_age", in: .seconds(1)...Duration.seconds(100 * 366 * 86_400)) { l.maxAgeSeconds = a.components.seconds }
            l.deadLetterPayloadBytes = try v.int("dead_letter_payload_bytes", in: 0...1_048_576) ?? l.deadLetterPayloadBytes
            config.limits = l
        }
        if let retention = config.storage.retention, retention.components.seconds <= config.limits.maxAgeSeconds,
           let s = try top.section("storage") {
            // Else a reading ingestd accepts could land in data already dropped, and the daily
            // partitions kept for late data would be dropped and made again.
            throw s.error("retention", "expected more than validation.max_age (\(Self.shortText(seconds: config.limits.maxAgeSeconds))), so that every reading ingestd accepts is kept for a while")
        }
        if let f = try top.section("families") {
            try families(f, into: &config.families)
        }
        if let d = try top.section("dedup") {
            try d.rejectUnknownKeys(["window_keys"])
            config.dedupWindow = try d.int("window_keys", in: 1...100_000_000) ?? config.dedupWindow
        }
        if config.dedupWindow < config.writer.batchSize {
            let section = try top.section("dedup") ?? top
            throw section.error(section.path.isEmpty ? "dedup" : "window_keys",
                                "dedup.window_keys (\(config.dedupWindow)) must be at least writer.batch_size (\(config.writer.batchSize)), so that a batch never holds a key the window forgot")
        }
        if let p = try top.section("publish") {
            try p.rejectUnknownKeys(["prefix", "dead_letters"])
            var prefix = try p.string("prefix") ?? config.publish.prefix
            if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
            if prefix.contains("+") || prefix.contains("#") { throw p.error("prefix", "a topic prefix may not contain '+' or '#'") }
            config.publish.prefix = prefix
            config.publish.deadLetters = try p.bool("dead_letters") ?? true
        }
        if let state = environment["STATE_DIRECTORY"], !state.isEmpty {  // systemd's StateDirectory=
            config.journal.directory = state.split(separator: ":")[0] + "/journal"
        }
        if let j = try top.section("journal") {
            try journal(j, into: &config.journal)
        }
        config.stopTimeout = try top.duration("stop_timeout", in: .seconds(1)...Duration.seconds(3600)) ?? config.stopTimeout
        if let l = try top.section("log") {
            try l.rejectUnknownKeys(["level"])
            let level = try l.string("level") ?? "info"
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(level) else { throw l.error("level", "expected one of \(levels.joined(separator: ", ")), got '\(level)'") }
            config.logLevel = level
        }
        if let h = try top.section("http") {
            try h.rejectUnknownKeys(["listen"])
            if let text = try h.string("listen") {
                config.http.listen = try Self.listen(text, h)
            }
        }
        if let r = top.value("routes") {
            config.routes = try routes(r, file: file)
        }
        if let a = try top.section("alerts") {
            config.alertRules = try alertRules(a, routes: config.routes, states: config.families.equipmentState.states)
        }
        if let a = try top.section("aggregates") {
            config.aggregates = try aggregates(a)
        }
        return config
    }

    private func routes(_ node: Node, file: String) throws(ConfigError) -> [Route] {
        guard case .sequence(let seq) = node else {
            throw ConfigError(file: file, line: ConfigNode.line(node), key: "routes", message: "expected a list of routes, got \(ConfigNode.kind(node))")
        }
        guard !seq.isEmpty else {
            throw ConfigError(file: file, line: ConfigNode.line(node), key: "routes", message: "expected at least one route")
        }
        var routes: [Route] = []
        for (i, item) in seq.enumerated() {
            let r = try ConfigNode(file: file, path: "routes[\(i)]", node: item)
            try r.rejectUnknownKeys(["topic", "family", "format"])
            guard let topic = try r.string("topic") else {
                throw ConfigError(file: file, line: ConfigNode.line(item), key: "routes[\(i)].topic",
                                  message: "every route needs a topic pattern, e.g. plant/{site}/{line}/sensor/{device}/{metric}")
            }
            let pattern: TopicPattern
            do { pattern = try TopicPattern(topic) } catch { throw r.error("topic", error.description) }
            guard let familyName = try r.string("family") else {
                throw ConfigError(file: file, line: ConfigNode.line(item), key: "routes[\(i)].family",
                                  message: "every route needs a family (supported: \(Family.supportedNames))")
            }
            guard let family = Family(rawValue: familyName) else {
                throw r.error("family", "unknown family '\(familyName)'; supported: \(Family.supportedNames)")
            }
            let format = try r.choice("format", PayloadFormat.self) ?? .json
            if format == .number && !family.acceptsBareNumber {
                throw r.error("format", "format 'number' is for sensor routes only; a \(family.rawValue) payload is JSON")
            }
            routes.append(Route(pattern: pattern, family: family, format: format))
        }
        return routes
    }

    /// `families:` — per-family checks: battery ranges, the equipment registry and states,
    /// machine-event bounds.
    private func families(_ f: ConfigNode, into settings: inout FamilySettings) throws(ConfigError) {
        try f.rejectUnknownKeys(["battery", "equipment_state", "machine_event"])
        if let b = try f.section("battery") {
            try b.rejectUnknownKeys(["soc", "soh", "temperature", "voltage"])
            settings.battery.soc = try b.range("soc") ?? settings.battery.soc
            settings.battery.soh = try b.range("soh") ?? settings.battery.soh
            settings.battery.temperature = try b.range("temperature") ?? settings.battery.temperature
            settings.battery.voltage = try b.range("voltage") ?? settings.battery.voltage
        }
        if let e = try f.section("equipment_state") {
            try e.rejectUnknownKeys(["states", "equipment"])
            if let states = try e.strings("states") {
                guard !states.isEmpty else { throw e.error("states", "expected at least one state, e.g. [green, yellow, red]") }
                settings.equipmentState.states = states
            }
            if let known = try e.strings("equipment") {
                settings.equipmentState.knownEquipment = known.isEmpty ? nil : Set(known)
            }
        }
        if let m = try f.section("machine_event") {
            try m.rejectUnknownKeys(["max_duration", "max_future"])
            if let d = try m.duration("max_duration", in: .milliseconds(1)...Duration.seconds(30 * 86_400)) {
                settings.machineEvent.maxDurationMs = d.wholeMilliseconds
            }
            if let d = try m.duration("max_future", in: .zero...Duration.seconds(366 * 86_400)) {
                settings.machineEvent.maxFutureSeconds = d.components.seconds
            }
        }
    }

    /// `journal:` — where and how messages are kept until the database has them.
    private func journal(_ j: ConfigNode, into journal: inout IngestConfig.Journal) throws(ConfigError) {
        try j.rejectUnknownKeys(["enabled", "path", "fsync", "max_bytes", "segment_bytes"])
        journal.enabled = try j.bool("enabled") ?? journal.enabled
        journal.directory = try j.string("path") ?? journal.directory
        if journal.directory.isEmpty { throw j.error("path", "expected a directory for the journal's segment files") }
        if let fsync = try j.string("fsync") {
            if fsync == "always" {
                journal.sync = .always
            } else if let d = parseDuration(fsync), d >= .milliseconds(10), d <= .seconds(3600) {
                journal.sync = .interval(d)
            } else {
                throw j.error("fsync", "expected 'always' or an interval from 10ms to 1h such as 1s, got '\(fsync)'")
            }
        }
        journal.segmentBytes = try j.int("segment_bytes", in: 65_536...1 << 30) ?? journal.segmentBytes
        journal.maxBytes = try j.int("max_bytes", in: 1 << 20...Int.max) ?? journal.maxBytes
        if journal.maxBytes < 2 * journal.segmentBytes {
            throw j.error("max_bytes", "the journal needs room for at least two segments (2 × segment_bytes = \(2 * journal.segmentBytes))")
        }
    }

    /// Seconds as the config would write them: `7d`, `36h`, `90m` or `45s`.
    static func shortText(seconds: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60)] where seconds % size == 0 && seconds >= size {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }

    /// `http.listen`: `host:port`, `[v6]:port`, `:port` (every interface) or `off`.
    static func listen(_ text: String, _ node: ConfigNode) throws(ConfigError) -> IngestConfig.HTTP.Listen? {
        if text.lowercased() == "off" { return nil }
        let host: Substring, port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") {
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            throw node.error("listen", "expected host:port such as 127.0.0.1:9810, :9810 for every interface, or off; got '\(text)'")
        }
        guard let p = Int(port), (0...65_535).contains(p) else {
            throw node.error("listen", "expected a port from 0 (any free port, logged at start) to 65535 after the colon, got '\(port)'")
        }
        return .init(host: host.isEmpty ? "0.0.0.0" : String(host), port: p)
    }

    private func secret(_ section: ConfigNode, prefix: String = "") throws(ConfigError) -> String? {
        if let name = try section.string(prefix + "password_env") {
            guard let value = environment[name] else {
                throw section.error(prefix + "password_env", "the environment variable \(name) is not set")
            }
            return value
        }
        if var path = try section.string(prefix + "password_file") {
            if path.contains("$CREDENTIALS_DIRECTORY") {
                guard let dir = environment["CREDENTIALS_DIRECTORY"] else {
                    throw section.error(prefix + "password_file", "$CREDENTIALS_DIRECTORY is not set (is LoadCredential= in the unit?)")
                }
                path = path.replacing("$CREDENTIALS_DIRECTORY", with: dir)
            }
            guard let text = readFile(path) else { throw section.error(prefix + "password_file", "cannot read \(path)") }
            return text.trimmingASCIIWhitespace
        }
        return nil
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
