import Foundation
@testable import IngestRuntime
import Testing

/// No client starves the HTTP endpoint: against a running ingestd with the real broker and
/// database, hostile clients are answered or closed, its descriptors stay bounded, and
/// meanwhile /metrics answers and readings are stored.
extension StackTests {
@Suite struct HTTPEndpointLimitsTests {
    /// A daemon on a fresh database, its endpoint, and a publisher of sensor readings.
    final class Setup {
        let root = TestStack.uniqueTopicRoot("httplimits")
        let dbURL: String
        let daemon: ChildProcess
        let endpoint: String
        let port: UInt16
        let publisher: MQTTListener
        private(set) var sent = 0
        private(set) var scrapes: [Int?] = []

        init() throws {
            dbURL = try TestStack.freshDatabase("httplimits")
            daemon = try TestStack.startIngestd(config: try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL))
            _ = daemon.waitForOutput("HTTP endpoint listening on", timeout: 20)
            endpoint = try #require(daemon.httpEndpoint, "no 'HTTP endpoint listening on' line:\n\(daemon.output.suffix(2000))")
            port = try #require(endpoint.split(separator: ":").last.flatMap { UInt16($0) })
            publisher = try MQTTListener(filter: "\(root)/unused")
        }

        /// One scrape of /metrics (its status, nil when it did not answer) and one reading published.
        func scrapeAndPublish() throws {
            scrapes.append(httpGet("\(endpoint)/metrics")?.status)
            let now = Int64(Date().timeIntervalSince1970)
            try publisher.publish(topic: "\(root)/s1/l1/sensor/dev\(sent)/temp", payload: #"{"ts":\#(now),"value":\#(sent)}"#)
            sent += 1
        }

        /// Every scrape answered 200, every reading published is stored, and ingestd stops cleanly.
        func expectServedAndStored(sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(!scrapes.isEmpty && scrapes.allSatisfy { $0 == 200 }, "scrapes: \(scrapes)", sourceLocation: sourceLocation)
            #expect(TestStack.waitForCount(dbURL, "SELECT count(*) FROM sensor_readings", atLeast: sent) == sent, sourceLocation: sourceLocation)
            #expect(httpGet("\(endpoint)/readyz")?.status == 200, sourceLocation: sourceLocation)
            #expect(daemon.terminate() == 0, "ingestd did not stop cleanly:\n\(daemon.output.suffix(3000))", sourceLocation: sourceLocation)
        }
    }

    @Test("slowloris clients sending a header byte every second get 408 and are closed once the head deadline passes, while /metrics answers and readings are stored")
    func slowlorisIsClosed() throws {
        let s = try Setup()
        let clients = (0..<10).compactMap { _ in RawHTTPClient(port: s.port) }
        #expect(clients.count == 10)
        for c in clients { c.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") }
        var rounds = 0
        while clients.contains(where: { !$0.closed }) && rounds < 40 {
            for c in clients { c.send("a") }
            RawHTTPClient.pump(clients, timeout: 1)
            try s.scrapeAndPublish()
            rounds += 1
        }
        #expect(clients.allSatisfy { $0.closed }, "\(clients.filter { !$0.closed }.count) slowloris connections still open after \(rounds) rounds")
        for c in clients { #expect(c.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(c.text.prefix(200))") }
        s.expectServedAndStored()
    }

    @Test("an endless header line is answered 431 and closed, not read for good, while /metrics answers and readings are stored")
    func anEndlessHeaderLineIsRefused() throws {
        let s = try Setup()
        let c = try #require(RawHTTPClient(port: s.port))
        c.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ")
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 4096)
        var sentBytes = 0
        var rounds = 0
        // At most 64 MiB or 2,000 rounds: the server answers (or closes) long before.
        while !c.closed && c.received.isEmpty && sentBytes < 64 << 20 && rounds < 2_000 {
            guard let n = c.send(chunk) else { break }
            sentBytes += n
            if n == 0 { RawHTTPClient.pump([c], timeout: 0.05) } else { c.pump() }
            if rounds % 200 == 0 { try s.scrapeAndPublish() }
            rounds += 1
        }
        var waits = 0
        while !c.closed && waits < 20 {
            RawHTTPClient.pump([c], timeout: 1)
            waits += 1
        }
        #expect(c.closed, "still open after \(sentBytes) bytes of one header line")
        #expect(c.text.isEmpty || c.text.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "\(c.text.prefix(200))")
        #expect(!c.text.isEmpty, "answered 431 before the close")
        try s.scrapeAndPublish()
        s.expectServedAndStored()
    }

    @Test("another path is 404, another method 405 naming GET and HEAD, a malformed head 400, HEAD the head alone; each answer closes its connection")
    func refusalsAreAnswered() throws {
        let s = try Setup()
        #expect(httpGet("\(s.endpoint)/nope")?.status == 404)
        func exchange(_ request: String) throws -> String {
            let c = try #require(RawHTTPClient(port: s.port))
            c.send(request)
            var waits = 0
            while !c.closed && waits < 20 {
                RawHTTPClient.pump([c], timeout: 1)
                waits += 1
            }
            #expect(c.closed, "the connection stays open after: \(c.text)")
            return c.text
        }
        let post = try exchange("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        #expect(post.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n") && post.contains("\r\nAllow: GET, HEAD\r\n"), "\(post)")
        let junk = try exchange("\u{16}\u{03}\u{01}\u{00}\u{a5}\u{01}\u{00}\u{00}\u{a1}\u{03}\u{03}\n")
        #expect(junk.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(junk)")
        let head = try exchange("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n") && head.hasSuffix("Connection: close\r\n\r\n"), "\(head)")
        let get = try exchange("GET /healthz HTTP/1.0\r\n\r\n")
        #expect(get.hasPrefix("HTTP/1.1 200 OK\r\n") && get.hasSuffix("\r\n\r\nok\n"), "\(get)")
        try s.scrapeAndPublish()
        s.expectServedAndStored()
    }

    @Test("5,000 idle connections, each with half a request head, are all closed and hold a bounded number of ingestd's descriptors, while /metrics answers and readings are stored")
    func idleConnectionsAreBounded() throws {
        #expect(RawHTTPClient.raiseOpenFileLimit(to: 6_000) >= 6_000, "the test needs 5,000 descriptors of its own")
        let s = try Setup()
        try s.scrapeAndPublish()
        let before = try #require(s.daemon.openDescriptors)
        var peak = before
        // Opened on another thread while this one scrapes and publishes.
        let opener = IdleOpener(port: s.port, count: 5_000)
        let thread = Thread { opener.run() }
        thread.start()
        var rounds = 0
        while !opener.isDone && rounds < 600 {
            peak = max(peak, s.daemon.openDescriptors ?? 0)
            try s.scrapeAndPublish()
            usleep(100_000)
            rounds += 1
        }
        #expect(opener.isDone)
        let clients = opener.clients
        #expect(clients.count == 5_000, "connections that could not even connect: \(5_000 - clients.count)")
        // Held open by this side: the endpoint still answers, and ingestd's descriptors stay bounded.
        for _ in 0..<5 {
            peak = max(peak, s.daemon.openDescriptors ?? 0)
            try s.scrapeAndPublish()
        }
        #expect(peak <= before + HTTPLimits().connections + 8, "ingestd held \(peak) descriptors, \(before) before the idle connections")
        // Each is answered or closed: evicted by newer ones, or 408 at its head deadline.
        let deadline = Date().addingTimeInterval(30)
        while clients.contains(where: { !$0.closed }) && Date() < deadline {
            RawHTTPClient.pump(clients, timeout: 1)
        }
        #expect(clients.allSatisfy { $0.closed }, "\(clients.filter { !$0.closed }.count) idle connections still open")
        // And once their lingers end, ingestd holds what it held before.
        var settled = s.daemon.openDescriptors ?? .max
        var waits = 0
        while settled > before + 2 && waits < 50 {
            usleep(200_000)
            settled = s.daemon.openDescriptors ?? .max
            waits += 1
        }
        #expect(settled <= before + 2, "ingestd holds \(settled) descriptors, \(before) before the idle connections")
        s.expectServedAndStored()
    }
}
}

/// Opens idle connections (each sends half a request head) on its own thread.
final class IdleOpener: @unchecked Sendable {
    let port: UInt16
    let count: Int
    private let lock = NSLock()
    private var opened: [RawHTTPClient] = []
    private var done = false

    init(port: UInt16, count: Int) {
        self.port = port
        self.count = count
    }

    func run() {
        for _ in 0..<count {
            guard let c = RawHTTPClient(port: port) else { continue }
            c.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            lock.withLock { opened.append(c) }
        }
        lock.withLock { done = true }
    }

    var isDone: Bool { lock.withLock { done } }
    var clients: [RawHTTPClient] { lock.withLock { opened } }
}
