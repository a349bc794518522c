@testable import IngestRuntime
import Testing

/// The request-head parser of the HTTP endpoint, without sockets: what it takes, and where it
/// stops a client.
@Suite struct HTTPHeadParserTests {
    func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPHeadParser.Outcome {
        var parser = HTTPHeadParser(limits: limits)
        return parser.feed(Array(text.utf8))
    }

    @Test("a scraper's head is read whole: method, path, query and header fields, CRLF or bare LF")
    func aHeadIsRead() throws {
        let outcome = parse("GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9810\r\nAccept:  text/plain \r\n\r\n")
        guard case let .complete(head) = outcome else { Issue.record("\(outcome)"); return }
        #expect(head.method == "GET" && head.path == "/metrics" && head.query == "x=1" && head.version == "HTTP/1.1")
        #expect(head.header("host") == "127.0.0.1:9810" && head.header("Accept") == "text/plain")
        #expect(parse("\r\nGET /readyz HTTP/1.0\nUser-Agent: probe\n\n") ==
                .complete(HTTPRequestHead(method: "GET", path: "/readyz", query: nil, version: "HTTP/1.0", headers: [("user-agent", "probe")])))
    }

    @Test("a head sent a byte at a time is incomplete until its empty line, then complete")
    func aHeadInPieces() {
        var parser = HTTPHeadParser()
        let text = Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        for byte in text.dropLast() { #expect(parser.feed([byte]) == .incomplete) }
        guard case .complete = parser.feed([text.last!]) else { Issue.record("not complete"); return }
        // Whatever follows the head changes nothing.
        guard case .complete = parser.feed(Array("POST / HTTP/1.1\r\n".utf8)) else { Issue.record("changed"); return }
    }

    @Test("an endless header line is refused with 431 once the head passes its byte limit, and the parser holds no more than that")
    func anEndlessHeaderLine() {
        var parser = HTTPHeadParser()
        #expect(parser.feed(Array("GET /metrics HTTP/1.1\r\nX-Long: ".utf8)) == .incomplete)
        var outcome = HTTPHeadParser.Outcome.incomplete
        var chunks = 0
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1024)
        while outcome == .incomplete && chunks < 1_000 {
            outcome = parser.feed(chunk)
            chunks += 1
        }
        #expect(outcome == .refused(.headerFieldsTooLarge))
        #expect(chunks <= 9, "refused within the 8 KiB limit")
        #expect(parser.headBytes == HTTPLimits().headBytes + 1)
    }

    @Test("an endless request line is refused with 414")
    func anEndlessRequestLine() {
        #expect(parse("GET /" + String(repeating: "a", count: 9_000)) == .refused(.uriTooLong))
    }

    @Test("more header lines than the limit are refused with 431, as many as the limit are read")
    func tooManyHeaderLines() {
        let lines = { (n: Int) in (0..<n).map { "X-\($0): 1\r\n" }.joined() }
        #expect(parse("GET / HTTP/1.1\r\n" + lines(101) + "\r\n") == .refused(.headerFieldsTooLarge))
        guard case let .complete(head) = parse("GET / HTTP/1.1\r\n" + lines(100) + "\r\n") else { Issue.record("not complete"); return }
        #expect(head.headers.count == 100)
        var small = HTTPLimits()
        small.headerLines = 2
        #expect(parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: small) == .refused(.headerFieldsTooLarge))
    }

    @Test("malformed heads are refused with 400, another HTTP version with 505", arguments: [
        ("GET /metrics\r\n\r\n", HTTPStatus.badRequest),
        ("GET  /metrics HTTP/1.1\r\n\r\n", .badRequest),
        ("GET metrics HTTP/1.1\r\n\r\n", .badRequest),
        ("G(T /metrics HTTP/1.1\r\n\r\n", .badRequest),
        ("GET /metrics HTTP/1.1\r\nNo colon here\r\n\r\n", .badRequest),
        ("GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n", .badRequest),
        ("GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n", .badRequest),
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", .badRequest),
        ("GET /metrics HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n", .badRequest),
        ("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\n", .badRequest),
        ("GET /metrics HTTP/2.0\r\n\r\n", .versionNotSupported),
        ("GET /metrics HTTX/1.1\r\n\r\n", .badRequest),
    ])
    func malformedHeads(text: String, status: HTTPStatus) {
        #expect(parse(text) == .refused(status))
    }

    @Test("every response closes its connection and says its length")
    func responsesClose() {
        let text = String(decoding: HTTPResponse(.ok, body: "ok\n").encoded(), as: UTF8.self)
        #expect(text == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
        let head = String(decoding: HTTPResponse.refusal(.requestTimeout).encoded(withBody: false), as: UTF8.self)
        #expect(head.hasPrefix("HTTP/1.1 408 Request Timeout\r\n") && head.hasSuffix("Content-Length: 20\r\nConnection: close\r\n\r\n"))
    }
}
