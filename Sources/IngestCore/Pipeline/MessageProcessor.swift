/// Route, decode and validate one message, keeping nothing: what `ingestd parse` shows and
/// what the pipeline would do with it before deduplication.
public struct MessageProcessor {
    public let router: Router
    public let limits: Limits
    private let lanes: [Family: any FamilyLaneProtocol]

    public init(routes: [Route], limits: Limits) {
        self.init(routes: routes, settings: FamilySettings(limits: limits))
    }

    public init(routes: [Route], settings: FamilySettings) {
        router = Router(routes: routes)
        limits = settings.limits
        var lanes: [Family: any FamilyLaneProtocol] = [:]
        for route in routes where lanes[route.family] == nil {
            lanes[route.family] = route.family.makeLane(settings: settings, dedupCapacity: 1)
        }
        self.lanes = lanes
    }

    public struct Result {
        /// The route's family; nil when no route matched.
        public var family: Family?
        public var records: [any JSONDescribable] = []
        public var rejections: [RejectReason] = []
        public var deadLetter: DeadLetter?

        /// The sensor readings among the records.
        public var readings: [SensorReading] { records.compactMap { $0 as? SensorReading } }
    }

    public func process(_ message: InboundMessage, now: Timestamp) -> Result {
        guard let (index, fields) = router.routeIndex(message.topic), let lane = lanes[router.routes[index].family] else {
            return Result(family: nil, rejections: [.noRoute],
                          deadLetter: DeadLetter(rejecting: message, family: "unrouted", reasons: [.noRoute], of: 1,
                                                 bound: limits.deadLetterPayloadBytes))
        }
        let route = router.routes[index]
        let r = lane.preview(message, route: route, fields: fields, now: now)
        return Result(family: route.family, records: r.records, rejections: r.rejections, deadLetter: r.deadLetter)
    }
}
