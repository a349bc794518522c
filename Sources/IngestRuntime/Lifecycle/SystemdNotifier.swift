#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd about the service's state (`Type=notify`): READY=1, STATUS=…, STOPPING=1,
/// WATCHDOG=1. Does nothing when `NOTIFY_SOCKET` is not set.
///
/// The watchdog (`WatchdogSec=` in the unit): systemd passes the interval in `WATCHDOG_USEC`
/// (and the process it is meant for in `WATCHDOG_PID`), and restarts the service when no
/// `WATCHDOG=1` arrives within it. `watchdogInterval` is that interval, or nil when the
/// watchdog is off or meant for another process; ping at half of it (systemd's advice), and
/// only while every worker is alive (`Heartbeat`).
public struct SystemdNotifier: Sendable {
    private let socketPath: String?

    /// The watchdog interval systemd expects a `WATCHDOG=1` within, or nil when it expects none.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`; `pid` is
    /// this process's id, compared with `WATCHDOG_PID`.
    public init(environment: [String: String], pid: Int32 = getpid()) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        watchdogInterval = path == nil ? nil : Self.watchdogInterval(environment: environment, pid: pid)
    }

    /// `WATCHDOG_USEC` as a duration, like `sd_watchdog_enabled(3)`: nil when it is unset, not
    /// a positive whole number, or when `WATCHDOG_PID` is set and names another process (a
    /// child that inherited the environment must not feed its parent's watchdog).
    static func watchdogInterval(environment: [String: String], pid: Int32) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let micros = Int64(text), micros > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], !owner.isEmpty {
            guard let ownerPID = Int32(owner), ownerPID == pid else { return nil }
        }
        return .microseconds(micros)
    }

    /// Tells systemd the service is alive; it restarts the service when this stops for
    /// `watchdogInterval`. Send it only while the work goes on (`Heartbeat.stalled`).
    public func notifyWatchdog() {
        notify("WATCHDOG=1")
    }

    /// Sends `state` (one or more `KEY=value` lines) to systemd's notification socket.
    public func notify(_ state: String) {
        guard let socketPath else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard path.count < capacity else { return }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.enumerated() { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        var message = Array(state.utf8)
        _ = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                sendto(fd, &message, message.count, Int32(MSG_NOSIGNAL), sa, length)
            }
        }
    }
}
