import Foundation
import PostgresClient
import Testing
import IngestRuntime
#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's NOTIFY_SOCKET.
final class NotifySocket {
    let path: String
    private let fd: Int32

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UInt32.random(in: 0...UInt32.max)).sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, rc == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Reads datagrams until one contains `text`, or the time runs out; returns all read.
    func waitFor(_ text: String, timeout: Double = 20) -> [String] {
        var seen: [String] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                seen.append(String(decoding: buffer[..<n], as: UTF8.self))
                if seen.last!.contains(text) { break }
            }
        }
        return seen
    }
}

extension StackTests {
    @Suite struct SystemdNotifyTests {
        @Test("ingestd run tells systemd READY=1 once it consumes and STOPPING=1 on SIGTERM")
        func notifiesReadyAndStopping() throws {
            let root = TestStack.uniqueTopicRoot("notify")
            let config = try TestStack.writeConfig(topicRoot: root, databaseURL: try TestStack.freshDatabase("notify"))
            let notify = try NotifySocket()
            let daemon = try ChildProcess(TestStack.binary("ingestd"), ["run", "--config", config], label: "ingestd",
                                          environment: ["NOTIFY_SOCKET": notify.path])
            let ready = notify.waitFor("READY=1")
            #expect(ready.contains { $0.contains("READY=1") }, "got \(ready); ingestd log:\n\(daemon.output)")
            kill(daemon.process.processIdentifier, SIGTERM)
            let stopping = notify.waitFor("STOPPING=1")
            #expect(stopping.contains { $0.contains("STOPPING=1") }, "got \(stopping)")
            #expect(daemon.waitForExit() == 0)
        }

        @Test("under systemd's watchdog ingestd pings while the pipeline and the writer beat, stops when the writer hangs on a lock, and pings again once it is free")
        func watchdogFollowsTheWorkersHeartbeats() throws {
            let root = TestStack.uniqueTopicRoot("watchdog")
            let dbURL = try TestStack.freshDatabase("watchdog")
            let config = try TestStack.writeConfig(topicRoot: root, databaseURL: dbURL)
            try TestStack.migrate(config: config)
            let notify = try NotifySocket()
            let daemon = try ChildProcess(TestStack.binary("ingestd"), ["run", "--config", config], label: "ingestd",
                                          environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"])
            let first = notify.waitFor("WATCHDOG=1")
            #expect(first.contains("WATCHDOG=1"), "got \(first); ingestd log:\n\(daemon.output.suffix(2000))")

            // A DBA's lock: the writer's INSERT waits on it, without a statement timeout.
            let dba = try PostgresConnection(dbURL)
            try dba.execute("BEGIN")
            try dba.execute("LOCK TABLE sensor_readings IN ACCESS EXCLUSIVE MODE")
            let publisher = try MQTTListener(filter: "\(root)/unused")
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try publisher.publish(topic: "\(root)/s1/l1/sensor/dev1/temp", payload: "{\"ts\":\(now),\"value\":1}")
            #expect(daemon.waitForOutput("no heartbeat from writer"), "ingestd log:\n\(daemon.output.suffix(2000))")
            _ = notify.waitFor("nothing", timeout: 1.5)  // drain pings sent before the stall showed
            let stalled = notify.waitFor("WATCHDOG=1", timeout: 3)
            #expect(!stalled.contains("WATCHDOG=1"), "pinged while the writer hung: \(stalled)")

            try dba.execute("COMMIT")
            let again = notify.waitFor("WATCHDOG=1")
            #expect(again.contains("WATCHDOG=1"), "got \(again); ingestd log:\n\(daemon.output.suffix(2000))")
            #expect(daemon.terminate() == 0)
        }
    }
}

/// The watchdog settings systemd passes in the environment (not part of StackTests: runs anywhere).
@Suite struct SystemdNotifierWatchdogTests {
    static let socket = ["NOTIFY_SOCKET": "/run/systemd/notify"]

    @Test func theWatchdogIntervalComesFromWatchdogUsec() {
        let n = SystemdNotifier(environment: Self.socket.merging(["WATCHDOG_USEC": "30000000"]) { $1 }, pid: 42)
        #expect(n.watchdogInterval == .seconds(30))
    }

    @Test func watchdogPidMustBeOurs() {
        let env = Self.socket.merging(["WATCHDOG_USEC": "2500000", "WATCHDOG_PID": "42"]) { $1 }
        #expect(SystemdNotifier(environment: env, pid: 42).watchdogInterval == .milliseconds(2500))
        #expect(SystemdNotifier(environment: env, pid: 43).watchdogInterval == nil)
        let empty = env.merging(["WATCHDOG_PID": ""]) { $1 }
        #expect(SystemdNotifier(environment: empty, pid: 43).watchdogInterval == .milliseconds(2500))
    }

    @Test(arguments: [nil, "", "0", "-5", "30s", "1e6"])
    func noWatchdogWithoutAPositiveWholeNumberOfMicroseconds(usec: String?) {
        var env = Self.socket
        env["WATCHDOG_USEC"] = usec
        #expect(SystemdNotifier(environment: env, pid: 42).watchdogInterval == nil)
    }

    @Test func noWatchdogWithoutANotifySocket() {
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000"], pid: 42).watchdogInterval == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "", "WATCHDOG_USEC": "30000000"], pid: 42).watchdogInterval == nil)
    }

    @Test func notifyWatchdogSendsWatchdog1() throws {
        let socket = try NotifySocket()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000"])
        #expect(notifier.watchdogInterval == .seconds(1))
        notifier.notifyWatchdog()
        #expect(socket.waitFor("WATCHDOG=1", timeout: 5) == ["WATCHDOG=1"])
    }
}
