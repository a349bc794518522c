import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP client of the HTTP endpoint that sends what a test says, byte by byte if need be, and
/// keeps what comes back: a slowloris, an endless header line, an idle connection.
final class RawHTTPClient {
    let fd: Int32
    private(set) var received: [UInt8] = []
    /// The server closed (end of stream, or reset).
    private(set) var closed = false

    /// Connected to 127.0.0.1:`port` (a blocking connect of at most 5 s, then non-blocking);
    /// nil when the connection fails.
    init?(port: UInt16) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(port.bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    var text: String { String(decoding: received, as: UTF8.self) }

    /// Sends what the socket takes of `bytes` now: how many it took (0 when its buffer is
    /// full); nil once the server has closed.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Int? {
        guard !closed else { return nil }
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n >= 0 { return n }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return 0 }
        pump()
        closed = true
        return nil
    }

    @discardableResult
    func send(_ text: String) -> Int? { send(Array(text.utf8)) }

    /// Reads what has arrived, without waiting; notes the close.
    func pump() {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while !closed {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                received += buffer[0..<n]
            } else if n == 0 || !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                closed = true
            } else {
                return
            }
        }
    }

    deinit { close(fd) }

    /// Waits up to `timeout` seconds for any of the open `clients` to have something to read
    /// (or to be closed), and reads it.
    static func pump(_ clients: [RawHTTPClient], timeout: Double) {
        let open = clients.filter { !$0.closed }
        guard !open.isEmpty else { return }
        var polled = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        guard poll(&polled, nfds_t(polled.count), Int32(timeout * 1000)) > 0 else { return }
        for (client, p) in zip(open, polled) where p.revents != 0 { client.pump() }
    }

    /// Raises this process's soft limit of open files to at least `count` (up to the hard
    /// limit); the limit in force.
    @discardableResult
    static func raiseOpenFileLimit(to count: Int) -> Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < rlim_t(count) {
            limit.rlim_cur = min(rlim_t(count), limit.rlim_max)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }
}

extension ChildProcess {
    /// How many file descriptors the process holds (/proc/<pid>/fd); nil once it has exited.
    var openDescriptors: Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd"))?.count
    }
}
