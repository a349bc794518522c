import Foundation
@testable import IngestRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The endpoint's HTTP server in this process, with small limits: what it does to a client
/// that does not read, and at its connection cap. No broker or database needed.
@Suite(.serialized) struct HTTPServerTests {
    static let big = [UInt8](repeating: UInt8(ascii: "x"), count: 32 << 20)

    func server(_ limits: HTTPLimits, body: [UInt8] = Array("ok\n".utf8)) throws -> (HTTPServer, UInt16) {
        let server = try HTTPServer(host: "127.0.0.1", port: 0, limits: limits) { _ in HTTPResponse(.ok, body: body) }
        server.start()
        let port = try #require(server.address.split(separator: ":").last.flatMap { UInt16($0) })
        return (server, port)
    }

    /// Until the server holds `count` connections, for at most 10 s; whether it did.
    func waitUntil(_ server: HTTPServer, holds count: Int) -> Bool {
        for _ in 0..<200 where server.connectionCount != count { usleep(50_000) }
        return server.connectionCount == count
    }

    /// A client that asks and then does not read (its receive buffer as small as the kernel allows).
    func nonReader(_ port: UInt16) throws -> RawHTTPClient {
        let c = try #require(RawHTTPClient(port: port))
        var size: Int32 = 1024
        setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        return c
    }

    @Test("a client that does not read its response is closed once the write deadline passes, the rest of the response dropped")
    func aNonReaderIsClosed() async throws {
        var limits = HTTPLimits()
        limits.writeTimeout = .milliseconds(500)
        let (server, port) = try server(limits, body: Self.big)
        let c = try nonReader(port)
        #expect(waitUntil(server, holds: 1))
        #expect(waitUntil(server, holds: 0), "still held: the write deadline did not close it")
        let deadline = Date().addingTimeInterval(30)
        while !c.closed && Date() < deadline { RawHTTPClient.pump([c], timeout: 1) }
        #expect(c.closed && c.received.count < Self.big.count, "read \(c.received.count) bytes")
        await server.stop()
    }

    @Test("at the cap, a new connection closes the oldest one still sending its head and is answered")
    func theOldestIdleIsEvicted() async throws {
        var limits = HTTPLimits()
        limits.connections = 3
        let (server, port) = try server(limits)
        var idle: [RawHTTPClient] = []
        for _ in 0..<3 {
            let c = try #require(RawHTTPClient(port: port))
            c.send("GET /metrics HTTP/1.1\r\n")
            idle.append(c)
            #expect(waitUntil(server, holds: idle.count))
        }
        let scraper = try #require(RawHTTPClient(port: port))
        scraper.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let deadline = Date().addingTimeInterval(10)
        while (!scraper.closed || !idle[0].closed) && Date() < deadline { RawHTTPClient.pump([scraper, idle[0]], timeout: 1) }
        #expect(scraper.text.hasPrefix("HTTP/1.1 200 OK\r\n") && scraper.text.hasSuffix("\r\n\r\nok\n"), "\(scraper.text)")
        #expect(idle[0].closed && idle[0].received.isEmpty, "the oldest idle connection is closed without an answer")
        RawHTTPClient.pump(idle, timeout: 0)
        #expect(!idle[1].closed && !idle[2].closed, "the younger ones wait for their own deadline")
        await server.stop()
    }

    @Test("at the cap with every connection being written to, one more is answered 503 and closed")
    func busyIs503() async throws {
        var limits = HTTPLimits()
        limits.connections = 2
        let (server, port) = try server(limits, body: Self.big)
        let writers = [try nonReader(port), try nonReader(port)]
        #expect(waitUntil(server, holds: 2))
        let late = try #require(RawHTTPClient(port: port))
        late.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let deadline = Date().addingTimeInterval(10)
        while !late.closed && Date() < deadline { RawHTTPClient.pump([late], timeout: 1) }
        #expect(late.text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), "\(late.text.prefix(200))")
        #expect(server.connectionCount == 2)
        _ = writers
        await server.stop()
    }

    @Test("it listens on an IPv6 address too, and says the port the system chose")
    func ipv6() async throws {
        let server = try HTTPServer(host: "::1", port: 0) { _ in .refusal(.notFound) }
        #expect(server.address.hasPrefix("[::1]:") && server.address != "[::1]:0", "\(server.address)")
        await server.stop()
    }

    @Test("a port already taken is an error naming the call and the system's words")
    func aTakenPort() async throws {
        let (first, port) = try server(HTTPLimits())
        #expect(throws: HTTPSocket.Failure.self) { try HTTPServer(host: "127.0.0.1", port: Int(port)) { _ in .refusal(.notFound) } }
        do {
            _ = try HTTPServer(host: "127.0.0.1", port: Int(port)) { _ in .refusal(.notFound) }
        } catch {
            #expect("\(error)" == "bind: Address already in use")
        }
        #expect(throws: HTTPServer.NotAnIPAddress.self) { try HTTPServer(host: "localhost.example", port: 0) { _ in .refusal(.notFound) } }
        await first.stop()
    }
}
