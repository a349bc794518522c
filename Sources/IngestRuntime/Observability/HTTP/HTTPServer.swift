import Foundation
import Synchronization
import Glibc

/// A small HTTP/1.1 server for the endpoint's few GET routes, over POSIX sockets: one thread
/// polls the listening socket and every connection (poll(2), non-blocking), so that the
/// cooperative pool is never blocked and no client holds more than its descriptor and a few KiB.
/// Each connection gets one request and one response (`Connection: close`), within the bounds
/// of `HTTPLimits`: the head's size, lines and deadline; the response's write deadline; and the
/// number of connections held at once (one more evicts the oldest connection already answered
/// or still sending its head). What the handler returns is answered; a refused head gets its status (400, 408, 414,
/// 431, 505) and is closed.
///
/// Why not FlyingFox, which served the endpoint before: its timeout bounds only the handler,
/// not the reading of a head; it reads header lines without a size or count limit; and it
/// starts a task for every connection accepted, without a cap. Thousands of half-sent heads
/// held as many descriptors for good.
final class HTTPServer: Sendable {
    /// `host:port` it listens on (the port the system chose for port 0).
    let address: String
    private let listener: Int32
    private let wake: (read: Int32, write: Int32)
    private let limits: HTTPLimits
    private let handler: @Sendable (HTTPRequestHead) -> HTTPResponse
    private let state = Mutex<(started: Bool, stopping: Bool, finished: Bool, waiters: [CheckedContinuation<Void, Never>])>(
        (false, false, false, []))
    private let held = Mutex(0)

    /// Connections held now (as of the loop's last turn).
    var connectionCount: Int { held.withLock { $0 } }

    struct NotAnIPAddress: Error {}

    /// Binds and listens (throws `HTTPSocket.Failure` naming the call, or `NotAnIPAddress`);
    /// serves once started.
    init(host: String, port: Int, limits: HTTPLimits = HTTPLimits(), handler: @escaping @Sendable (HTTPRequestHead) -> HTTPResponse) throws {
        guard let (fd, address) = try HTTPSocket.listen(host: host, port: port) else { throw NotAnIPAddress() }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            let failure = HTTPSocket.Failure(call: "pipe", code: errno)
            close(fd)
            throw failure
        }
        pipeFDs.forEach(HTTPSocket.makeNonBlocking)
        listener = fd
        wake = (pipeFDs[0], pipeFDs[1])
        self.address = address
        self.limits = limits
        self.handler = handler
    }

    /// Serves on a thread of its own until `stop()`.
    func start() {
        state.withLock { $0.started = true }
        let thread = Thread { [self] in
            run()
            let waiters = state.withLock { s in
                s.finished = true
                defer { s.waiters = [] }
                return s.waiters
            }
            waiters.forEach { $0.resume() }
        }
        thread.name = "ingestd-http"
        thread.start()
    }

    /// Stops serving, closes every connection and the listening socket; returns once done.
    func stop() async {
        let started = state.withLock { s in
            s.stopping = true
            return s.started
        }
        guard started else {
            closeSockets()
            return
        }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s in
                if !s.finished { s.waiters.append(c) }
                return s.finished
            }
            if done { c.resume() }
        }
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func closeSockets() {
        close(listener)
        close(wake.read)
        close(wake.write)
    }

    // MARK: The loop (on the server's thread only)

    private func run() {
        var connections: [Int32: HTTPConnection] = [:]
        var polled: [pollfd] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var acceptPausedUntil: ContinuousClock.Instant?
        defer {
            for fd in connections.keys { close(fd) }
            closeSockets()
        }
        while !stopping {
            var now = ContinuousClock.now
            if let until = acceptPausedUntil, now >= until { acceptPausedUntil = nil }
            polled.removeAll(keepingCapacity: true)
            polled.append(pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0))
            // Out of descriptors: the listener is left alone for a moment (what waits stays in
            // the backlog) instead of being polled readable in a busy loop.
            polled.append(pollfd(fd: acceptPausedUntil == nil ? listener : -1, events: Int16(POLLIN), revents: 0))
            for c in connections.values {
                if case .writing = c.phase {
                    polled.append(pollfd(fd: c.fd, events: Int16(POLLOUT), revents: 0))
                } else {
                    polled.append(pollfd(fd: c.fd, events: Int16(POLLIN), revents: 0))
                }
            }
            var wait: Duration = .seconds(1)
            if let next = connections.values.map(\.deadline).min() { wait = min(wait, max(.zero, next - now)) }
            if let until = acceptPausedUntil { wait = min(wait, max(.zero, until - now)) }
            let ready = poll(&polled, nfds_t(polled.count), Int32(wait / .milliseconds(1)) + 1)
            if ready < 0 && errno != EINTR {
                usleep(10_000)
                continue
            }
            if polled[0].revents != 0 { while read(wake.read, &buffer, buffer.count) > 0 {} }
            if stopping { return }
            now = ContinuousClock.now
            for p in polled.dropFirst(2) where p.revents != 0 {
                guard var c = connections[p.fd] else { continue }
                if serve(&c, revents: p.revents, buffer: &buffer, now: now) {
                    connections[p.fd] = c
                } else {
                    close(p.fd)
                    connections[p.fd] = nil
                }
            }
            if polled[1].revents != 0 { accept(into: &connections, buffer: &buffer, now: now, pausedUntil: &acceptPausedUntil) }
            for (fd, var c) in connections where now >= c.deadline {
                if c.isReadingHead, expire(&c, now: now) {
                    connections[fd] = c
                } else if c.isLingering {
                    close(fd)
                    connections[fd] = nil
                } else {
                    // Not read within the write deadline: what is left of the response is dropped.
                    HTTPSocket.abort(fd)
                    connections[fd] = nil
                }
            }
            held.withLock { $0 = connections.count }
        }
    }

    /// Takes up to `acceptBurst` new connections; beyond the cap, each evicts the oldest one
    /// already answered (lingering), else the oldest one still sending its head, or is closed
    /// at once with 503 when every one is being written to.
    private func accept(into connections: inout [Int32: HTTPConnection], buffer: inout [UInt8], now: ContinuousClock.Instant,
                        pausedUntil: inout ContinuousClock.Instant?) {
        for _ in 0..<limits.acceptBurst {
            let fd = Glibc.accept(listener, nil, nil)
            guard fd >= 0 else {
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM { pausedUntil = now + .milliseconds(100) }
                return
            }
            HTTPSocket.makeNonBlocking(fd)
            if connections.count >= limits.connections {
                if let oldest = connections.values.filter(\.isLingering).min(by: { $0.opened < $1.opened })
                    ?? connections.values.filter(\.isReadingHead).min(by: { $0.opened < $1.opened }) {
                    close(oldest.fd)
                    connections[oldest.fd] = nil
                } else {
                    let busy = HTTPResponse.refusal(.serviceUnavailable).encoded()
                    _ = busy.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    close(fd)
                    continue
                }
            }
            // A client usually sends its head right after connecting: read it now, before the
            // next burst of connections can push this one out.
            var c = HTTPConnection(fd: fd, now: now, limits: limits)
            if serve(&c, revents: Int16(POLLIN), buffer: &buffer, now: now) {
                connections[fd] = c
            } else {
                close(fd)
            }
        }
    }

    /// Serves what poll said of `c`; false when the connection is to be closed.
    private func serve(_ c: inout HTTPConnection, revents: Int16, buffer: inout [UInt8], now: ContinuousClock.Instant) -> Bool {
        switch c.phase {
        case var .reading(parser):
            let n = recv(c.fd, &buffer, buffer.count, 0)
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
            if n == 0 { return false }
            switch parser.feed(buffer[0..<n]) {
            case .incomplete:
                c.phase = .reading(parser)
                return true
            case let .complete(head):
                c.respond(handler(head).encoded(withBody: head.method != "HEAD"), now: now, limits: limits)
            case let .refused(status):
                c.respond(HTTPResponse.refusal(status).encoded(), now: now, limits: limits)
            }
            return flush(&c, now: now)
        case .writing:
            return flush(&c, now: now)
        case .lingering:
            let n = recv(c.fd, &buffer, buffer.count, 0)
            return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        }
    }

    /// The head's deadline passed: 408, then closed once written. False when it cannot be.
    private func expire(_ c: inout HTTPConnection, now: ContinuousClock.Instant) -> Bool {
        c.respond(HTTPResponse.refusal(.requestTimeout).encoded(), now: now, limits: limits)
        return flush(&c, now: now)
    }

    /// Writes what the socket takes of the response; once all of it is sent, ends the writing
    /// side and lingers. False on a write error.
    private func flush(_ c: inout HTTPConnection, now: ContinuousClock.Instant) -> Bool {
        guard case .writing(let bytes, var sent) = c.phase else { return true }
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(c.fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                sent += n
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                c.phase = .writing(bytes, sent: sent)
                return true
            } else {
                return false
            }
        }
        shutdown(c.fd, Int32(SHUT_WR))
        c.phase = .lingering
        c.deadline = now + limits.lingerTimeout
        return true
    }
}
