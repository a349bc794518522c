/// The pipeline as a pure state machine: a message in, actions out — counts of every fate,
/// dead letters, and batches to write. Routing, decoding, validation, deduplication and
/// batching happen here; the threads around it only carry the actions out. No clock inside:
/// `now` (wall time, for validation) and `clock` (for batch deadlines) are passed in.
///
/// - Important: not thread-safe; one pipeline thread owns it.
public struct PipelineStateMachine {
    private let router: Router
    /// The lane of each route, by route index.
    private let laneOfRoute: [Int]
    private let lanes: [any FamilyLaneProtocol]
    private var batcher: BatchStateMachine
    private var deadLetters: [DeadLetter] = []
    private var lastSequence: UInt64?
    private let limits: Limits

    public init(routes: [Route], settings: FamilySettings, dedupCapacity: Int, batchSize: Int, batchMaxAge: Duration) {
        router = Router(routes: routes)
        var lanes: [any FamilyLaneProtocol] = []
        var laneOfRoute: [Int] = []
        for route in routes {
            if let i = lanes.firstIndex(where: { $0.family == route.family }) {
                laneOfRoute.append(i)
            } else {
                laneOfRoute.append(lanes.count)
                lanes.append(route.family.makeLane(settings: settings, dedupCapacity: dedupCapacity))
            }
        }
        self.lanes = lanes
        self.laneOfRoute = laneOfRoute
        limits = settings.limits
        batcher = BatchStateMachine(maxRows: batchSize, maxAge: batchMaxAge)
    }

    /// When the pending batch must be written; the caller fires `timerFired` then.
    public var deadline: ContinuousClock.Instant? { batcher.deadline }
    public var pendingCount: Int { batcher.pendingCount }

    /// One message in; its actions appended to `actions`.
    public mutating func messageReceived(_ message: InboundMessage, now: Timestamp, clock: ContinuousClock.Instant,
                                         actions: inout [PipelineAction]) {
        lastSequence = message.sequence
        let added: Int
        if let (index, fields) = router.routeIndex(message.topic) {
            added = lanes[laneOfRoute[index]].process(message, route: router.routes[index], fields: fields, now: now,
                                                      actions: &actions, deadLetters: &deadLetters)
        } else {
            let letter = DeadLetter(rejecting: message, family: "unrouted", reasons: [.noRoute], of: 1, bound: limits.deadLetterPayloadBytes)
            actions.append(.counted(family: "unrouted", fate: .rejected(RejectReason.noRoute.code), count: 1))
            actions.append(.deadLetter(letter))
            deadLetters.append(letter)
            added = 1
        }
        if batcher.entriesAdded(added, now: clock) == .flush { actions.append(.flush(takeBatch())) }
    }

    /// The batch deadline may have passed.
    public mutating func timerFired(clock: ContinuousClock.Instant, actions: inout [PipelineAction]) {
        if batcher.timerFired(now: clock) == .flush { actions.append(.flush(takeBatch())) }
    }

    /// Stopping: whatever is pending is flushed.
    public mutating func shutdownRequested(actions: inout [PipelineAction]) {
        if batcher.shutdownRequested() == .flush { actions.append(.flush(takeBatch())) }
    }

    private mutating func takeBatch() -> Batch {
        let batch = Batch(tables: lanes.compactMap { $0.takeRows() }, deadLetters: deadLetters, lastSequence: lastSequence)
        deadLetters = []
        return batch
    }
}
