import Foundation
import IngestCore
import Logging
import Synchronization

/// The HTTP endpoint (`http.listen`, 127.0.0.1:9810 by default), served by `HTTPServer`:
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

    private let listen: IngestConfig.HTTP.Listen
    private let host: String
    private let sources: Sources
    private let stuckAfter: Duration
    private let server = Mutex<HTTPServer?>(nil)

    init(listen: IngestConfig.HTTP.Listen, sources: Sources, stuckAfter: Duration) throws {
        self.listen = listen
        host = listen.host == "localhost" ? "127.0.0.1" : listen.host
        self.sources = sources
        self.stuckAfter = stuckAfter
    }

    /// Binds and serves in the background (`HTTPServer`, within `HTTPLimits`); returns the
    /// address it listens on (the port chosen by the system when `http.listen` gave port 0).
    func start() async throws -> String {
        let started: HTTPServer
        do {
            started = try HTTPServer(host: host, port: listen.port) { [sources, stuckAfter] head in
                Self.answer(head, sources: sources, stuckAfter: stuckAfter)
            }
        } catch is HTTPServer.NotAnIPAddress {
            throw StartError.cannotListen(listen, "'\(listen.host)' is not an IP address (or localhost)")
        } catch {
            throw StartError.cannotListen(listen, "\(error)")
        }
        server.withLock { $0 = started }
        started.start()
        return started.address
    }

    func stop() async {
        await server.withLock { $0 }?.stop()
    }

    /// The answer to one request head: the three GET (or HEAD) routes, 405 for another method
    /// on them, 404 for any other path.
    static func answer(_ head: HTTPRequestHead, sources: Sources, stuckAfter: Duration) -> HTTPResponse {
        let routes = ["/metrics", "/healthz", "/readyz"]
        guard routes.contains(head.path) else { return .refusal(.notFound) }
        guard head.method == "GET" || head.method == "HEAD" else {
            var refusal = HTTPResponse.refusal(.methodNotAllowed)
            refusal.extraHeaders = [("Allow", "GET, HEAD")]
            return refusal
        }
        switch head.path {
        case "/metrics":
            let body = sources.metrics.exposition(stats: sources.stats.snapshot, health: sources.health.snapshot,
                                                  backlog: sources.queues.backlog, writerQueue: sources.queues.writerQueue)
            return HTTPResponse(.ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
        case "/healthz":
            let heartbeat = sources.queues.heartbeat
            let stuck = heartbeat?.stalled(olderThan: stuckAfter) ?? []
            if let heartbeat, !stuck.isEmpty {
                let text = "stuck\n" + stuck.map { "- no progress from \($0) for \(heartbeat.sinceLastBeat($0))\n" }.joined()
                return HTTPResponse(.serviceUnavailable, body: text)
            }
            return HTTPResponse(.ok, body: "ok\n")
        default:
            let readiness = Readiness(sources.health.snapshot, backlogMessages: sources.queues.backlog.messages)
            return HTTPResponse(readiness.ready ? .ok : .serviceUnavailable, body: readiness.text)
        }
    }
}
