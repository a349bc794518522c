/// The pipeline as a pure state machine: a message in, actions out — counts of every fate,
/// dead letters, and batches to write. Routing, decoding, validation, deduplication,
/// alerting, windowing (`Analytics`) and batching happen here; the threads around it only
/// carry the actions out. No clock inside: `now` (wall time, for validation) and `clock`
/// (for batch deadlines) are passed in.
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
    /// Messages that became whole dead letters: an exact repeat is a duplicate.
    private var redeliveries: RedeliveryWindow
    /// The alert engine and the window aggregator; what they decide joins the next batch.
    public private(set) var analytics: Analytics
    private var observations: [Observation] = []

    public init(routes: [Route], settings: FamilySettings, dedupCapacity: Int, batchSize: Int, batchMaxAge: Duration,
                redeliveryWindow: Int = RedeliveryWindow.defaultCapacity, analytics: Analytics? = nil) {
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
        let analytics = analytics ?? Analytics(rules: [], routes: routes.map(\.pattern.description), aggregates: AggregateSettings.off)
        for lane in lanes { lane.observing = analytics.families.contains(lane.family) }
        self.analytics = analytics
        self.lanes = lanes
        self.laneOfRoute = laneOfRoute
        limits = settings.limits
        batcher = BatchStateMachine(maxRows: batchSize, maxAge: batchMaxAge)
        redeliveries = RedeliveryWindow(capacity: redeliveryWindow)
    }

    /// When the pending batch must be written; the caller fires `timerFired` then.
    public var deadline: ContinuousClock.Instant? { batcher.deadline }
    public var pendingCount: Int { batcher.pendingCount }

    /// One message in; its actions appended to `actions`. An exact repeat (topic and payload)
    /// of a message that became a whole dead letter is counted as a duplicate instead, with
    /// no second dead letter.
    public mutating func messageReceived(_ message: InboundMessage, now: Timestamp, clock: ContinuousClock.Instant,
                                         actions: inout [PipelineAction]) {
        lastSequence = message.sequence
        let start = actions.count
        var added: Int
        if let (index, fields) = router.routeIndex(message.topic) {
            added = lanes[laneOfRoute[index]].process(message, route: router.routes[index], routeIndex: index, fields: fields,
                                                      now: now, actions: &actions, deadLetters: &deadLetters,
                                                      observations: &observations)
        } else {
            let letter = DeadLetter(rejecting: message, family: "unrouted", reasons: [.noRoute], of: 1, bound: limits.deadLetterPayloadBytes)
            actions.append(.counted(family: "unrouted", fate: .rejected(RejectReason.noRoute.code), count: 1))
            actions.append(.deadLetter(letter))
            deadLetters.append(letter)
            added = 1
        }
        if isWholeDeadLetter(actions[start...]) && !redeliveries.insert(RedeliveryWindow.digest(of: message)) {
            countAsDuplicate(actions: &actions, from: start)
            added -= 1
        }
        if !observations.isEmpty {
            let before = analytics.pendingCount
            analytics.observe(observations)
            observations.removeAll(keepingCapacity: true)
            analytics.advance()
            added += analytics.pendingCount - before
        }
        if batcher.entriesAdded(added, now: clock) == .flush { actions.append(.flush(takeBatch())) }
    }

    /// Nothing arrived and nothing waits: reading time is taken to have reached `now`, so that
    /// silent devices go stale and the last windows close (see `Analytics.idle`).
    public mutating func idle(now: Timestamp, clock: ContinuousClock.Instant, actions: inout [PipelineAction]) {
        let before = analytics.pendingCount
        analytics.idle(now: now)
        if batcher.entriesAdded(analytics.pendingCount - before, now: clock) == .flush { actions.append(.flush(takeBatch())) }
    }

    /// Whether one message's actions make it a dead letter as a whole: a dead letter and no
    /// record that was kept (accepted, updated) or deduplicated (duplicate, stale).
    private func isWholeDeadLetter(_ actions: ArraySlice<PipelineAction>) -> Bool {
        var letter = false
        for action in actions {
            switch action {
            case .deadLetter: letter = true
            case .counted(_, .rejected, _): continue
            case .counted, .flush: return false
            }
        }
        return letter
    }

    /// Turns a repeated whole dead letter's actions into one count of duplicates (as many as
    /// the records it rejected) and takes its dead letter back out of the pending batch.
    private mutating func countAsDuplicate(actions: inout [PipelineAction], from start: Int) {
        var family = "unrouted"
        var records = 0
        for case let .counted(name, _, n) in actions[start...] {
            family = name
            records += n
        }
        actions.removeSubrange(start...)
        actions.append(.counted(family: family, fate: .duplicate, count: max(records, 1)))
        deadLetters.removeLast()
    }

    /// Takes over what the alert engine knew before a restart (`Analytics.restore`).
    public mutating func restore(open alerts: [Alert], lastSeen: [(key: SeriesKey, time: Timestamp)], currentStates: [Observation],
                                 clock: ContinuousClock.Instant, actions: inout [PipelineAction]) {
        let before = analytics.pendingCount
        analytics.restore(open: alerts, lastSeen: lastSeen, currentStates: currentStates)
        if batcher.entriesAdded(analytics.pendingCount - before, now: clock) == .flush { actions.append(.flush(takeBatch())) }
    }

    /// Keeps what the alert engine and the aggregator of `old` (before a reload) know.
    public mutating func carryOver(from old: PipelineStateMachine) {
        analytics.takeOver(old.analytics)
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
        let (alerts, aggregates) = analytics.take()
        let batch = Batch(tables: lanes.compactMap { $0.takeRows() }, deadLetters: deadLetters, lastSequence: lastSequence,
                          alerts: alerts, aggregates: aggregates)
        deadLetters = []
        return batch
    }
}
