/// Route, decode and validate one message: the readings it yields, and a dead letter when
/// any of it was rejected (one per message, naming the first reason and how many records
/// were rejected).
public struct MessageProcessor: Sendable {
    public let router: Router
    public let decoder: SensorDecoder
    public let validator: SensorValidator
    public let limits: Limits

    public init(routes: [Route], limits: Limits) {
        router = Router(routes: routes)
        decoder = SensorDecoder(limits: limits)
        validator = SensorValidator(limits: limits)
        self.limits = limits
    }

    public struct Result: Equatable, Sendable {
        public var readings: [SensorReading] = []
        public var rejections: [RejectReason] = []
        public var deadLetter: DeadLetter?
    }

    public func process(_ message: InboundMessage, now: Timestamp) -> Result {
        var result = Result()
        guard let match = router.routeFields(message.topic) else {
            return rejected(message, family: "unrouted", reasons: [.noRoute], of: 1)
        }
        let family = match.route.family.rawValue
        switch decoder.decode(message.payload, format: match.route.format, fields: match.fields,
                              receivedAt: message.receivedAt) {
        case .failure(let reason):
            return rejected(message, family: family, reasons: [reason], of: 1)
        case .success(let output):
            var indexed = output.rejections
            result.readings.reserveCapacity(output.readings.count)
            for (i, r) in output.readings.enumerated() {
                if let reason = validator.validate(r, now: now) {
                    indexed.append((output.recordIndices[i], reason))
                } else {
                    result.readings.append(r)
                }
            }
            guard !indexed.isEmpty else { return result }
            indexed.sort { $0.0 < $1.0 }
            // A record with several readings counts once, however many of them failed.
            var seen = Set<Int>()
            indexed = indexed.filter { seen.insert($0.0).inserted }
            let total = output.recordCount
            var dead = rejected(message, family: family, reasons: indexed.map(\.1), of: total,
                                firstIndex: total > 1 ? indexed[0].0 : nil)
            dead.readings = result.readings
            return dead
        }
    }

    private func rejected(_ message: InboundMessage, family: String, reasons: [RejectReason], of total: Int,
                          firstIndex: Int? = nil) -> Result {
        let first = reasons[0]
        var text = first.description
        if let firstIndex { text = "record \(firstIndex): " + text }
        if reasons.count > 1 { text += " (\(reasons.count) of \(total) records rejected)" }
        let letter = DeadLetter(topic: message.topic, family: family, reasonCode: first.code, reason: text,
                                payload: message.payload, bound: limits.deadLetterPayloadBytes,
                                receivedAt: message.receivedAt)
        return Result(readings: [], rejections: reasons, deadLetter: letter)
    }
}
