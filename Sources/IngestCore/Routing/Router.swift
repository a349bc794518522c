/// Finds the route of a topic: the first route whose pattern matches wins.
public struct Router: Sendable {
    public let routes: [Route]

    public init(routes: [Route]) { self.routes = routes }

    /// A matched route with the topic's captured levels.
    public struct Match: Sendable, Equatable {
        public var route: Route
        public var fields: [String: String]
    }

    public func route(_ topic: String) -> Match? {
        for route in routes {
            if let fields = route.pattern.match(topic) { return Match(route: route, fields: fields) }
        }
        return nil
    }

    /// The index of the topic's route with its known fields filled: the pipeline's hot path.
    public func routeIndex(_ topic: String) -> (Int, TopicFields)? {
        for (i, route) in routes.enumerated() {
            if let fields = route.matchFields(topic) { return (i, fields) }
        }
        return nil
    }

    /// The distinct subscription filters of all routes, in route order.
    public var subscriptionFilters: [String] { subscriptionFilters(sharedGroup: nil) }

    /// The filters to subscribe to, as a member of a shared-subscription group when one is given.
    public func subscriptionFilters(sharedGroup: String?) -> [String] {
        var seen = Set<String>()
        let filters = routes.map(\.pattern.subscriptionFilter).filter { seen.insert($0).inserted }
        guard let sharedGroup else { return filters }
        return filters.map { "$share/\(sharedGroup)/\($0)" }
    }
}
