/// What one message became before deduplication: the acceptable records, each rejection,
/// and the message's dead letter when anything was rejected (one per message, naming the
/// first reason and how many records were rejected).
public struct Evaluation<Record: FamilyRecord>: Sendable {
    public var records: [Record] = []
    public var rejections: [RejectReason] = []
    public var deadLetter: DeadLetter?
}

extension FamilyCodec {
    /// Decodes and validates a routed message.
    func evaluate(_ message: InboundMessage, format: PayloadFormat, fields: TopicFields, now: Timestamp,
                  limits: Limits) -> Evaluation<Record> {
        let family = Record.family.rawValue
        var result = Evaluation<Record>()
        if message.size > limits.maxPayloadBytes {  // only its first bytes may have been kept
            let reason = RejectReason.payloadTooLarge(size: message.size, limit: limits.maxPayloadBytes)
            result.rejections = [reason]
            result.deadLetter = DeadLetter(rejecting: message, family: family, reasons: [reason], of: 1, bound: limits.deadLetterPayloadBytes)
            return result
        }
        switch decode(message.payload, format: format, fields: fields, receivedAt: message.receivedAt, limits: limits) {
        case .failure(let reason):
            result.rejections = [reason]
            result.deadLetter = DeadLetter(rejecting: message, family: family, reasons: [reason], of: 1, bound: limits.deadLetterPayloadBytes)
        case .success(let output):
            var indexed = output.rejections
            result.records.reserveCapacity(output.records.count)
            for (i, r) in output.records.enumerated() {
                if let reason = validate(r, now: now) {
                    indexed.append((output.recordIndices[i], reason))
                } else {
                    result.records.append(r)
                }
            }
            guard !indexed.isEmpty else { return result }
            indexed.sort { $0.0 < $1.0 }
            // A record with several readings counts once, however many of them failed.
            var seen = Set<Int>()
            indexed = indexed.filter { seen.insert($0.0).inserted }
            let total = output.recordCount
            result.rejections = indexed.map(\.1)
            result.deadLetter = DeadLetter(rejecting: message, family: family, reasons: result.rejections, of: total,
                                           firstIndex: total > 1 ? indexed[0].0 : nil, bound: limits.deadLetterPayloadBytes)
        }
        return result
    }
}

extension DeadLetter {
    /// The dead letter of a message with the given rejections: the first reason (with its
    /// record's index in a batch) and how many of `total` records were rejected.
    public init(rejecting message: InboundMessage, family: String, reasons: [RejectReason], of total: Int,
                firstIndex: Int? = nil, bound: Int) {
        let first = reasons[0]
        var text = first.description
        if let firstIndex { text = "record \(firstIndex): " + text }
        if reasons.count > 1 { text += " (\(reasons.count) of \(total) records rejected)" }
        self.init(topic: message.topic, family: family, reasonCode: first.code, reason: text,
                  payload: Array(message.payload.prefix(bound)), payloadSize: message.size, receivedAt: message.receivedAt,
                  sequence: message.sequence)
    }
}
