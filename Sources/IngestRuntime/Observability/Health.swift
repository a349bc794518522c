import Synchronization

/// What ingestd knows of its two connections, for `/readyz`, the progress line and the
/// metrics: the broker (connected, every subscription acknowledged, or why not) and the
/// database (the writer's last word: a commit, or the failure it retries). Set by the MQTT
/// thread and the writer; read by the HTTP endpoint and the progress reporter.
public final class Health: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var brokerConnected = false
        /// Every filter's SUBACK came on this connection: messages flow.
        public var subscribed = false
        /// Why the last attempt to connect failed, or why the connection was lost; nil once connected.
        public var brokerProblem: String? = "not connected yet"
        /// Nil until the writer first connected or failed.
        public var databaseReachable: Bool?
        /// The writer's last failure, while it retries; nil after a commit.
        public var databaseProblem: String?
        /// Why the journal stopped taking messages (a failed write or sync); nil while it writes.
        public var journalProblem: String?
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func brokerConnected() {
        state.withLock {
            $0.brokerConnected = true
            $0.subscribed = false
            $0.brokerProblem = nil
        }
    }

    func brokerSubscribed() { state.withLock { $0.subscribed = true } }

    func brokerDown(_ reason: String) {
        state.withLock {
            $0.brokerConnected = false
            $0.subscribed = false
            $0.brokerProblem = reason
        }
    }

    func databaseReached() {
        state.withLock {
            $0.databaseReachable = true
            $0.databaseProblem = nil
        }
    }

    func journalFailed(_ reason: String) { state.withLock { $0.journalProblem = reason } }

    func databaseFailed(_ reason: String) {
        state.withLock {
            $0.databaseReachable = false
            $0.databaseProblem = reason
        }
    }
}
