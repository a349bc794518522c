extension ConfigLoader {
    /// `mqtt:` — the broker, the session, TLS and the reconnect backoff.
    func mqtt(_ m: ConfigNode, into mqtt: inout IngestConfig.MQTT) {
        m.rejectUnknownKeys(["url", "client_id", "clean_session", "username", "password_env", "password_file",
                             "ca_file", "cert_file", "key_file", "keepalive", "reconnect_min", "reconnect_max", "queue_capacity", "shared_group",
                             "max_outgoing_queue"])
        if let url = m.string("url") {
            if let reason = checkBrokerURL(url) { m.report("url", reason) } else { mqtt.url = url }
        }
        if let clientID = m.string("client_id") {
            if clientID.isEmpty || clientID.utf8.count > 65_535 {
                m.report("client_id", "expected a non-empty client id (a persistent session is kept under it)")
            } else {
                mqtt.clientID = clientID
            }
        }
        mqtt.cleanSession = m.bool("clean_session") ?? mqtt.cleanSession
        mqtt.username = m.string("username")
        mqtt.password = secret(m)
        mqtt.caFile = m.string("ca_file")
        mqtt.certFile = m.string("cert_file")
        mqtt.keyFile = m.string("key_file")
        // By presence, not by what was read: a cert_file of the wrong type is one problem, not two.
        let hasCert = m.value("cert_file") != nil, hasKey = m.value("key_file") != nil
        if hasCert != hasKey {
            m.report(hasCert ? "cert_file" : "key_file", "a client certificate needs both cert_file and key_file")
        }
        if hasCert, !m.failed("url"), !mqtt.url.lowercased().hasPrefix("mqtts://") {
            m.report("cert_file", "a client certificate is sent only over TLS: use an mqtts:// url")
        }
        if let k = m.duration("keepalive", in: .seconds(5)...Duration.seconds(3600)) {
            mqtt.keepaliveSeconds = Int(k.components.seconds)
        }
        mqtt.reconnectMin = m.duration("reconnect_min", in: .milliseconds(100)...Duration.seconds(3600)) ?? mqtt.reconnectMin
        mqtt.reconnectMax = m.duration("reconnect_max", in: .milliseconds(100)...Duration.seconds(3600)) ?? mqtt.reconnectMax
        mqtt.queueCapacity = m.int("queue_capacity", in: 1...10_000_000) ?? mqtt.queueCapacity
        mqtt.maxOutgoingQueue = m.int("max_outgoing_queue", in: 1...10_000_000) ?? mqtt.maxOutgoingQueue
        if let group = m.string("shared_group") {
            if group.isEmpty || group.contains(where: { "/+#".contains($0) }) {
                m.report("shared_group", "expected a group name without '/', '+' or '#', e.g. ingestd")
            } else {
                mqtt.sharedGroup = group
            }
        }
    }

    /// `database:` — what the daemon connects as, and what migrations connect as.
    func database(_ d: ConfigNode, into database: inout IngestConfig.Database) {
        d.rejectUnknownKeys(["url", "password_env", "password_file", "owner_url", "owner_password_env",
                             "owner_password_file", "migrate_on_start"])
        database.url = d.string("url") ?? database.url
        database.password = secret(d)
        database.ownerURL = d.string("owner_url")
        database.ownerPassword = secret(d, prefix: "owner_")
        database.migrateOnStart = d.bool("migrate_on_start") ?? database.migrateOnStart
    }

    /// `http:` — where the metrics and health endpoint listens.
    func http(_ h: ConfigNode, into http: inout IngestConfig.HTTP) {
        h.rejectUnknownKeys(["listen"])
        if let text = h.string("listen") {
            if text.lowercased() == "off" {
                http.listen = nil
            } else if let listen = Self.listen(text, h) {
                http.listen = listen
            }
        }
    }

    /// An `http.listen` address: `host:port`, `[v6]:port` or `:port` (every interface); nil,
    /// reported, when `text` is none of them.
    static func listen(_ text: String, _ node: ConfigNode) -> IngestConfig.HTTP.Listen? {
        let host: Substring, port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") {
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            node.report("listen", "expected host:port such as 127.0.0.1:9810, :9810 for every interface, or off; got '\(text)'")
            return nil
        }
        guard let p = Int(port), (0...65_535).contains(p) else {
            node.report("listen", "expected a port from 0 (any free port, logged at start) to 65535 after the colon, got '\(port)'")
            return nil
        }
        return .init(host: host.isEmpty ? "0.0.0.0" : String(host), port: p)
    }

    /// The password a section's `password_env` or `password_file` (with `prefix`) gives; nil,
    /// reported, when the variable is unset or the file unreadable.
    func secret(_ section: ConfigNode, prefix: String = "") -> String? {
        if let name = section.string(prefix + "password_env") {
            guard let value = environment[name] else {
                return section.fail(prefix + "password_env", "the environment variable \(name) is not set")
            }
            return value
        }
        if var path = section.string(prefix + "password_file") {
            if path.contains("$CREDENTIALS_DIRECTORY") {
                guard let dir = environment["CREDENTIALS_DIRECTORY"] else {
                    return section.fail(prefix + "password_file", "$CREDENTIALS_DIRECTORY is not set (is LoadCredential= in the unit?)")
                }
                path = path.replacing("$CREDENTIALS_DIRECTORY", with: dir)
            }
            guard let text = readFile(path) else { return section.fail(prefix + "password_file", "cannot read \(path)") }
            return text.trimmingASCIIWhitespace
        }
        return nil
    }
}
