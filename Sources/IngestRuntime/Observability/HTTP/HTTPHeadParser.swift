/// Reads a request head from the bytes as they arrive, within `HTTPLimits`: a plain value, no
/// socket and no clock (the deadline is the connection's). Lines end in CRLF or a bare LF (RFC
/// 9112 §2.2); empty lines before the request line are skipped; the head ends at the first
/// empty line after it, and what follows (a body, a pipelined request) is not read.
struct HTTPHeadParser: Sendable {
    enum Outcome: Sendable, Equatable {
        /// More bytes are needed.
        case incomplete
        case complete(HTTPRequestHead)
        /// The head is refused: answer with this status and close.
        case refused(HTTPStatus)
    }

    let limits: HTTPLimits
    private(set) var outcome: Outcome = .incomplete
    /// Bytes of the head taken so far.
    private(set) var headBytes = 0
    private var line: [UInt8] = []
    private var requestLine: (method: String, path: String, query: String?, version: String)?
    private var headers: [(name: String, value: String)] = []

    init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Takes `bytes` and says where the head stands; once complete or refused, further bytes
    /// change nothing.
    @discardableResult
    mutating func feed(_ bytes: some Sequence<UInt8>) -> Outcome {
        guard outcome == .incomplete else { return outcome }
        for byte in bytes {
            headBytes += 1
            if headBytes > limits.headBytes {
                outcome = .refused(requestLine == nil ? .uriTooLong : .headerFieldsTooLarge)
                line = []
                return outcome
            }
            guard byte == UInt8(ascii: "\n") else {
                line.append(byte)
                continue
            }
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            let complete = line
            line = []
            if let refusal = take(complete) {
                outcome = refusal
                return outcome
            }
            if outcome != .incomplete { return outcome }
        }
        return outcome
    }

    /// One whole line (without its end); a refusal, or nil (then `outcome` may be complete).
    private mutating func take(_ line: [UInt8]) -> Outcome? {
        guard let request = requestLine else {
            if line.isEmpty { return nil }
            switch Self.parseRequestLine(line) {
            case let .success(parsed): requestLine = parsed
            case let .failure(refusal): return .refused(refusal.status)
            }
            return nil
        }
        if line.isEmpty {
            outcome = .complete(HTTPRequestHead(method: request.method, path: request.path, query: request.query,
                                                version: request.version, headers: headers))
            return nil
        }
        guard headers.count < limits.headerLines else { return .refused(.headerFieldsTooLarge) }
        guard let field = Self.parseField(line) else { return .refused(.badRequest) }
        headers.append(field)
        return nil
    }

    private struct Refusal: Error { var status: HTTPStatus }

    /// `METHOD SP request-target SP HTTP/1.x` (RFC 9112 §3), the target in origin form.
    private static func parseRequestLine(_ line: [UInt8]) -> Result<(method: String, path: String, query: String?, version: String), Refusal> {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte),
              let first = parts[1].first, first == UInt8(ascii: "/"), parts[1].allSatisfy(isTargetByte)
        else { return .failure(Refusal(status: .badRequest)) }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/"), version.utf8.count == 8 else { return .failure(Refusal(status: .badRequest)) }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { return .failure(Refusal(status: .versionNotSupported)) }
        let target = String(decoding: parts[1], as: UTF8.self)
        let path: String, query: String?
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            path = target
            query = nil
        }
        return .success((String(decoding: parts[0], as: UTF8.self), path, query, version))
    }

    /// `name: value` (RFC 9110 §5): a token name right before the colon; no line folding, no
    /// control bytes but HTAB in the value.
    private static func parseField(_ line: [UInt8]) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0,
              line[..<colon].allSatisfy(isTokenByte) else { return nil }
        let value = line[(colon + 1)...]
        guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { return nil }
        let trimmed = value.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
        return (String(decoding: line[..<colon], as: UTF8.self).lowercased(), String(decoding: Array(trimmed), as: UTF8.self))
    }

    /// tchar of RFC 9110 §5.6.2.
    private static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }

    /// A visible ASCII byte: what an origin-form target is made of (RFC 3986, percent-encoded).
    private static func isTargetByte(_ b: UInt8) -> Bool { b > 0x20 && b < 0x7F }
}
