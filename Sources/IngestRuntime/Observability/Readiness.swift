/// Whether ingestd does its job now, and if not why: what `/readyz` answers. Ready means the
/// broker connection is up with every subscription acknowledged, and the database takes what
/// the writer gives it. While the database fails the journal fills; while the broker is away
/// nothing arrives; while the journal cannot write nothing is taken: either way a load
/// balancer or an orchestrator should know.
public struct Readiness: Sendable, Equatable {
    public var ready: Bool
    /// One line per reason for not being ready; empty when ready.
    public var reasons: [String]

    public init(_ health: Health.Snapshot, backlogMessages: Int) {
        var reasons: [String] = []
        if !health.brokerConnected {
            reasons.append("broker not connected: \(health.brokerProblem ?? "connecting")")
        } else if !health.subscribed {
            reasons.append("broker connected, subscriptions not yet acknowledged")
        }
        if let journal = health.journalProblem { reasons.append(journal) }
        if health.databaseReachable == false {
            reasons.append("database failing: \(health.databaseProblem ?? "unreachable"); \(backlogMessages) messages wait in the journal")
        }
        self.ready = reasons.isEmpty
        self.reasons = reasons
    }

    /// The response body: `ready` or `not ready` and the reasons, one per line.
    public var text: String {
        ready ? "ready\n" : "not ready\n" + reasons.map { "- \($0)\n" }.joined()
    }
}
