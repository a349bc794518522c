import Glibc

/// The POSIX calls of `HTTPServer`, each failure an error naming the call and the system's words.
enum HTTPSocket {
    struct Failure: Error, CustomStringConvertible {
        var call: String
        var code: Int32
        var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    /// A non-blocking listening TCP socket bound to `host` (an IPv4 or IPv6 literal) and
    /// `port`; nil when `host` is no IP literal.
    static func listen(host: String, port: Int, backlog: Int32 = 128) throws -> (fd: Int32, address: String)? {
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let isV6: Bool
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            isV6 = false
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
        } else if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            isV6 = true
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
        } else {
            return nil
        }
        let fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", code: errno) }
        do {
            var one: Int32 = 1
            try check("setsockopt(SO_REUSEADDR)", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)))
            if isV6 {
                try check("bind", withUnsafePointer(to: &v6) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
                })
            } else {
                try check("bind", withUnsafePointer(to: &v4) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                })
            }
            try check("listen", Glibc.listen(fd, backlog))
            return (fd, try boundAddress(fd, v6: isV6))
        } catch {
            close(fd)
            throw error
        }
    }

    /// `host:port` (`[host]:port` for IPv6) the socket is bound to: the port the system chose
    /// for port 0.
    private static func boundAddress(_ fd: Int32, v6: Bool) throws -> String {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        try check("getsockname", withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        })
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        if v6 {
            var a = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            inet_ntop(AF_INET6, &a.sin6_addr, &text, socklen_t(text.count))
            return "[\(String(cString: text))]:\(UInt16(bigEndian: a.sin6_port))"
        }
        var a = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
        inet_ntop(AF_INET, &a.sin_addr, &text, socklen_t(text.count))
        return "\(String(cString: text)):\(UInt16(bigEndian: a.sin_port))"
    }

    /// Non-blocking and closed on exec (accept4 and pipe2, which would do it at once, are not
    /// in the Glibc module).
    static func makeNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
    }

    /// Closes at once, with a reset (SO_LINGER 0): what was not sent yet is dropped, not kept
    /// in the kernel for a client that does not read.
    static func abort(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(fd)
    }

    private static func check(_ call: String, _ result: Int32) throws {
        if result < 0 { throw Failure(call: call, code: errno) }
    }
}
