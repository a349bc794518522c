/// A broker address: `mqtt://[user[:password]@]host[:port]` or `mqtts://…` for TLS.
public struct MQTTURL: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var tls: Bool
    public var username: String?
    public var password: String?

    public init(host: String, port: Int, tls: Bool = false, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.username = username
        self.password = password
    }

    /// Parses `mqtt://` and `mqtts://` URLs; the port defaults to 1883 and 8883.
    /// Throws `MQTTURLError` with the reason when the text is not such a URL.
    public init(parsing text: String) throws(MQTTURLError) {
        let scheme: Substring
        var rest: Substring
        let parts = text.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            scheme = parts[0]
            rest = parts[1]
        } else {
            throw MQTTURLError(text: text, reason: "expected mqtt://host[:port] or mqtts://host[:port]")
        }
        switch scheme.lowercased() {
        case "mqtt", "tcp": tls = false
        case "mqtts", "ssl", "tls": tls = true
        default: throw MQTTURLError(text: text, reason: "unknown scheme '\(scheme)', expected mqtt or mqtts")
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                username = String(credentials[..<colon]).removingPercentEncodingIfAny
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEncodingIfAny
            } else {
                username = String(credentials).removingPercentEncodingIfAny
            }
        }
        var hostPart = rest
        port = tls ? 8883 : 1883
        if hostPart.hasPrefix("["), let close = hostPart.firstIndex(of: "]") {
            // [::1]:1883
            let after = hostPart[hostPart.index(after: close)...]
            host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else {
                    throw MQTTURLError(text: text, reason: "the port must be a number from 1 to 65535")
                }
                port = p
            }
        } else {
            if let colon = hostPart.lastIndex(of: ":") {
                guard let p = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(p) else {
                    throw MQTTURLError(text: text, reason: "the port must be a number from 1 to 65535")
                }
                port = p
                hostPart = hostPart[..<colon]
            }
            host = String(hostPart)
        }
        guard !host.isEmpty else { throw MQTTURLError(text: text, reason: "the host is empty") }
    }

    /// The URL without its password, for logs.
    public var description: String {
        let user = username.map { "\($0)@" } ?? ""
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(tls ? "mqtts" : "mqtt")://\(user)\(h):\(port)"
    }
}

extension MQTTURL {
    /// A URL as written, with the password (between `user:` and `@`) masked: for messages
    /// about a URL that may not even parse.
    public static func redacting(_ text: String) -> String {
        guard let scheme = text.firstRange(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@"),
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[...colon]) + "***" + String(text[at...])
    }
}

/// Why a broker URL could not be read; the password is never repeated.
public struct MQTTURLError: Error, CustomStringConvertible, Sendable {
    public let text: String
    public let reason: String
    public var description: String { "invalid broker URL '\(MQTTURL.redacting(text))': \(reason)" }
}

extension String {
    /// Decodes `%XX` escapes (for user names and passwords in URLs); leaves bad escapes as they are.
    var removingPercentEncodingIfAny: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var it = Array(utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2,
               let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
