import FlyingFox
import Foundation
import IngestCore
import Logging
import Synchronization

/// The HTTP endpoint (`http.listen`, 127.0.0.1:9810 by default), served by FlyingFox:
/// - `GET /metrics`: Prometheus's text format (`IngestMetrics`);
/// - `GET /healthz`: 200 while the pipeline and the writer make progress, 503 when one is
///   stuck (what systemd's watchdog also watches);
/// - `GET /readyz`: 200 while ingestd consumes and stores, 503 with the reasons while the
///   broker is disconnected or the database fails (`Readiness`).
/// It starts before the migrations, so that an orchestrator sees a daemon that waits for its
/// database as alive but not ready.
final class HTTPEndpoint: Sendable {
    /// Where the numbers come from.
    struct Sources: Sendable {
        var stats: RuntimeStats
        var health: Health
        var metrics: IngestMetrics
        var queues: Queues
    }

    /// The journal (or memory queue), the writer and the workers' heartbeat, once they exist:
    /// the endpoint answers before, while the migrations wait for the database, and a worker
    /// not started yet is not a stuck one.
    final class Queues: Sendable {
        private let state = Mutex<(inbox: (any Inbox)?, writer: DatabaseWriter?, heartbeat: Heartbeat?)>((nil, nil, nil))

        func attach(inbox: any Inbox, writer: DatabaseWriter, heartbeat: Heartbeat) {
            state.withLock { $0 = (inbox, writer, heartbeat) }
        }

        var heartbeat: Heartbeat? { state.withLock { $0.heartbeat } }

        var backlog: (messages: Int, bytes: Int) {
            state.withLock { s in s.inbox.map { ($0.backlog.messages, $0.backlog.bytes) } ?? (0, 0) }
        }

        var writerQueue: Int { state.withLock { $0.writer?.queued ?? 0 } }
    }

    enum StartError: Error, CustomStringConvertible {
        case cannotListen(IngestConfig.HTTP.Listen, String)

        var description: String {
            switch self {
            case let .cannotListen(listen, reason):
                "cannot serve the HTTP endpoint on \(listen) (http.listen): \(reason); choose another port, or http.listen: off"
            }
        }
    }

    private let server: HTTPServer
    private let listen: IngestConfig.HTTP.Listen
    private let runTask = Mutex<Task<Void, any Error>?>(nil)

    init(listen: IngestConfig.HTTP.Listen, sources: Sources, stuckAfter: Duration) throws {
        self.listen = listen
        let host = listen.host == "localhost" ? "127.0.0.1" : listen.host
        do {
            server = host.contains(":")
                ? HTTPServer(address: try .inet6(ip6: host, port: UInt16(listen.port)), timeout: 15, logger: .disabled)
                : HTTPServer(address: try .inet(ip4: host, port: UInt16(listen.port)), timeout: 15, logger: .disabled)
        } catch {
            throw StartError.cannotListen(listen, "'\(listen.host)' is not an IP address (or localhost)")
        }
        self.sources = sources
        self.stuckAfter = stuckAfter
    }

    private let sources: Sources
    private let stuckAfter: Duration

    /// Binds and serves in the background; returns the address it listens on (the port
    /// chosen by the system when `http.listen` gave port 0).
    func start() async throws -> String {
        await server.appendRoute("GET /metrics") { [sources] _ in
            let body = sources.metrics.exposition(stats: sources.stats.snapshot, health: sources.health.snapshot,
                                                  backlog: sources.queues.backlog, writerQueue: sources.queues.writerQueue)
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: Data(body))
        }
        await server.appendRoute("GET /healthz") { [sources, stuckAfter] _ in
            let heartbeat = sources.queues.heartbeat
            let stuck = heartbeat?.stalled(olderThan: stuckAfter) ?? []
            if let heartbeat, !stuck.isEmpty {
                let text = "stuck\n" + stuck.map { "- no progress from \($0) for \(heartbeat.sinceLastBeat($0))\n" }.joined()
                return Self.text(.serviceUnavailable, text)
            }
            return Self.text(.ok, "ok\n")
        }
        await server.appendRoute("GET /readyz") { [sources] _ in
            let readiness = Readiness(sources.health.snapshot, backlogMessages: sources.queues.backlog.messages)
            return Self.text(readiness.ready ? .ok : .serviceUnavailable, readiness.text)
        }
        let failure = Mutex<String?>(nil)
        let task = Task { [server] in
            do {
                try await server.run()
            } catch {
                failure.withLock { $0 = "\(error)" }
                throw error
            }
        }
        runTask.withLock { $0 = task }
        let deadline = ContinuousClock.now + .seconds(5)
        while await !server.isListening {
            if let reason = failure.withLock({ $0 }) { throw StartError.cannotListen(listen, reason) }
            if ContinuousClock.now >= deadline { throw StartError.cannotListen(listen, "not listening after 5 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard case let .ip4(host, port)? = await server.listeningAddress else {
            if case let .ip6(host, port)? = await server.listeningAddress { return "[\(host)]:\(port)" }
            return listen.description
        }
        return "\(host):\(port)"
    }

    func stop() async {
        await server.stop(timeout: 1)
        runTask.withLock { $0?.cancel() }
    }

    private static func text(_ status: HTTPStatusCode, _ body: String) -> HTTPResponse {
        HTTPResponse(statusCode: status, headers: [.contentType: "text/plain; charset=utf-8"], body: Data(body.utf8))
    }
}
