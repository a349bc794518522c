import IngestCore

#if canImport(Glibc)
import Glibc
#endif

/// The invariants the fuzz targets hold every input to. A broken one aborts, which libFuzzer
/// reports as a crash with the input that broke it. Compiled into every target by
/// scripts/fuzz; not part of any SwiftPM target.
enum FuzzCheck {
    /// Aborts with `message` unless `condition` holds.
    static func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
        if !condition() {
            fputs("fuzz invariant broken: \(message())\n", stderr)
            abort()
        }
    }

    /// Whether `payload` holds U+FFFD itself (its bytes or a `\uFFFD` escape): only then may a
    /// stored string hold one.
    static func mayHoldReplacement(_ payload: [UInt8]) -> Bool {
        let raw: [UInt8] = [0xEF, 0xBF, 0xBD]
        if payload.count >= 3, (0...(payload.count - 3)).contains(where: { Array(payload[$0..<$0 + 3]) == raw }) { return true }
        let text = String(decoding: payload, as: UTF8.self).lowercased()
        return text.contains("\\ufffd")
    }

    /// A string a record keeps: within the limit, no NUL or control character, no U+FFFD the
    /// payload did not hold; a `topicLevel` one without '/', '+', '#' and, when `required`, not empty.
    static func text(_ name: String, _ value: String?, required: Bool = false, topicLevel: Bool = false, limits: Limits,
                     payload: [UInt8]) {
        guard let value else {
            require(!required, "\(name) is missing from an accepted record")
            return
        }
        require(!required || !value.isEmpty, "\(name) is empty in an accepted record")
        require(value.utf8.count <= limits.maxStringLength, "\(name) is \(value.utf8.count) bytes, over the limit")
        require(!value.utf8.contains { $0 < 0x20 || $0 == 0x7F }, "\(name) holds a control character: \(Array(value.utf8))")
        if topicLevel {
            require(!value.utf8.contains { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") },
                    "\(name) '\(value)' holds a topic wildcard or separator")
        }
        require(!value.unicodeScalars.contains("\u{FFFD}") || mayHoldReplacement(payload),
                "\(name) holds U+FFFD the payload did not: a repaired string was kept")
    }

    /// A number a record keeps.
    static func finite(_ name: String, _ value: Double?) {
        guard let value else { return }
        require(value.isFinite, "\(name) is \(value) in an accepted record")
    }

    /// What every processed message must come to: records, or a dead letter with a reason
    /// that is short and printable, its payload cut to the bound.
    static func fate(_ r: MessageProcessor.Result, limits: Limits) {
        require(!r.records.isEmpty || r.deadLetter != nil, "a message with neither records nor a dead letter")
        require(r.rejections.isEmpty == (r.deadLetter == nil), "rejections \(r.rejections) without a dead letter, or the reverse")
        guard let letter = r.deadLetter else { return }
        require(!letter.reasonCode.isEmpty && letter.reasonCode.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) },
                "reason code '\(letter.reasonCode)' is not a snake_case label")
        require(letter.reason.utf8.count <= 1_024, "a reason of \(letter.reason.utf8.count) bytes")
        require(letter.payload.count <= limits.deadLetterPayloadBytes, "a dead letter keeps \(letter.payload.count) bytes")
    }

    /// The message libFuzzer's input makes: up to the first newline (at most 64 bytes in) the
    /// bytes of the topic level `{level}`, decoded as ingress decodes topics; the rest is the
    /// payload. Without such a newline the level is `fallback`.
    static func message(_ data: UnsafeRawBufferPointer, topic: (String) -> String, fallback: String, now: Timestamp)
        -> (InboundMessage, [UInt8]) {
        let bytes = Array(data)
        var level = fallback
        var payload = bytes
        if let nl = bytes.prefix(65).firstIndex(of: 0x0A), nl > 0,
           !bytes[..<nl].contains(UInt8(ascii: "/")), !bytes[..<nl].contains(0) {
            level = String(decoding: bytes[..<nl], as: UTF8.self)
            payload = Array(bytes[(nl + 1)...])
        }
        return (InboundMessage(topic: topic(level), payload: payload, receivedAt: now), payload)
    }

    /// A fixed clock, so that a crash replays the same way.
    static let now = Timestamp(rfc3339: "2026-01-01T00:00:00Z")!
}
