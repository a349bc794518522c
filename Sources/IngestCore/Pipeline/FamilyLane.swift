/// One family's part of the pipeline: its codec, its dedup window and its pending rows.
/// Reference type so the pipeline can keep lanes of every family in one array.
protocol FamilyLaneProtocol: AnyObject {
    var family: Family { get }
    /// Whether the alert engine or the aggregator watch this family.
    var observing: Bool { get set }
    var pendingCount: Int { get }
    /// Evaluates and deduplicates one routed message; returns how many entries (rows and a
    /// dead letter) joined the pending batch.
    /// Records kept (accepted; not corrections, which rewrite history) are observed into
    /// `observations` when the lane was made `observing`.
    func process(_ message: InboundMessage, route: Route, routeIndex: Int, fields: TopicFields, now: Timestamp,
                 actions: inout [PipelineAction], deadLetters: inout [DeadLetter], observations: inout [Observation]) -> Int
    /// Evaluates without deduplicating or keeping anything: what `ingestd parse` shows.
    func preview(_ message: InboundMessage, route: Route, fields: TopicFields, now: Timestamp)
        -> (records: [any JSONDescribable], rejections: [RejectReason], deadLetter: DeadLetter?)
    /// Hands over the pending rows.
    func takeRows() -> (any TableRows)?
}

final class FamilyLane<Codec: FamilyCodec>: FamilyLaneProtocol where Codec.Record: JSONDescribable {
    typealias Record = Codec.Record
    let codec: Codec
    let limits: Limits
    // One pipeline thread owns the lane and never reenters it: the runtime's per-access
    // exclusivity checks on these (~3 % of the pipeline's CPU, measured) prove nothing here.
    @exclusivity(unchecked) private var dedup: DedupWindow<Record>
    @exclusivity(unchecked) private var pending = Rows<Record>()

    var observing = false

    init(codec: Codec, limits: Limits, dedupCapacity: Int) {
        self.codec = codec
        self.limits = limits
        dedup = DedupWindow(capacity: dedupCapacity)
    }

    var family: Family { Record.family }
    var pendingCount: Int { pending.count }

    // Called through `any FamilyLaneProtocol`, the generic body would run unspecialised
    // (metadata lookups and witness-table copies of every record, measured at ~5 % of
    // ingestd's CPU): these give each family a specialised body, picked at entry.
    @_specialize(where Codec == SensorDecoder)
    @_specialize(where Codec == BatteryDecoder)
    @_specialize(where Codec == EquipmentStateDecoder)
    @_specialize(where Codec == MachineEventDecoder)
    func process(_ message: InboundMessage, route: Route, routeIndex: Int, fields: TopicFields, now: Timestamp,
                 actions: inout [PipelineAction], deadLetters: inout [DeadLetter], observations: inout [Observation]) -> Int {
        let result = codec.evaluate(message, format: route.format, fields: fields, now: now, limits: limits)
        var accepted = 0, duplicate = 0, updated = 0, stale = 0
        let origin = RecordOrigin(message)
        for record in result.records {
            switch dedup.observe(record) {
            case .new:
                accepted += 1
                pending.append(record, from: origin)
                if observing { record.observe(route: routeIndex, into: &observations) }
            case .updated:
                updated += 1
                pending.append(record, from: origin)
                pending.mayRepeatKeys = true
            case .duplicate:
                duplicate += 1
            case .stale:
                stale += 1
            }
        }
        let name = family.rawValue
        if accepted > 0 { actions.append(.counted(family: name, fate: .accepted, count: accepted)) }
        if duplicate > 0 { actions.append(.counted(family: name, fate: .duplicate, count: duplicate)) }
        if updated > 0 { actions.append(.counted(family: name, fate: .updated, count: updated)) }
        if stale > 0 { actions.append(.counted(family: name, fate: .stale, count: stale)) }
        for reason in result.rejections { actions.append(.counted(family: name, fate: .rejected(reason.code), count: 1)) }
        var added = accepted + updated
        if let letter = result.deadLetter {
            actions.append(.deadLetter(letter))
            deadLetters.append(letter)
            added += 1
        }
        return added
    }

    func preview(_ message: InboundMessage, route: Route, fields: TopicFields, now: Timestamp)
        -> (records: [any JSONDescribable], rejections: [RejectReason], deadLetter: DeadLetter?) {
        let result = codec.evaluate(message, format: route.format, fields: fields, now: now, limits: limits)
        return (result.records, result.rejections, result.deadLetter)
    }

    func takeRows() -> (any TableRows)? {
        guard pending.count > 0 else { return nil }
        let rows = pending
        pending = Rows()
        pending.records.reserveCapacity(rows.count)
        pending.origins.reserveCapacity(rows.count)
        return rows
    }
}
