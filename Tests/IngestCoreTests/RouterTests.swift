import Testing
@testable import IngestCore

@Suite struct RouterTests {
    func route(_ text: String, _ format: PayloadFormat = .json) throws -> Route {
        Route(pattern: try TopicPattern(text), family: .sensor, format: format)
    }

    @Test func firstMatchingRouteWins() throws {
        let specific = try route("plant/{site}/raw/{device}/{metric}", .number)
        let general = try route("plant/{site}/{line}/{device}/{metric}")
        let catchAll = try route("#")
        let router = Router(routes: [specific, general, catchAll])

        let m1 = try #require(router.route("plant/s1/raw/d1/temp"))
        #expect(m1.route == specific)
        #expect(m1.fields == ["site": "s1", "device": "d1", "metric": "temp"])

        let m2 = try #require(router.route("plant/s1/l1/d1/temp"))
        #expect(m2.route == general)
        #expect(m2.fields == ["site": "s1", "line": "l1", "device": "d1", "metric": "temp"])

        #expect(router.route("elsewhere/x")?.route == catchAll)
    }

    @Test func routeOrderDecidesBetweenOverlappingPatterns() throws {
        let a = try route("t/{device}/{metric}", .json)
        let b = try route("t/+/+", .number)
        #expect(Router(routes: [a, b]).route("t/d/m")?.route == a)
        #expect(Router(routes: [b, a]).route("t/d/m")?.route == b)
        #expect(Router(routes: [b, a]).route("t/d/m")?.fields == [:])
    }

    @Test func noMatchingRouteGivesNil() throws {
        let router = Router(routes: [try route("plant/{site}/{line}/sensor/{device}/{metric}")])
        #expect(router.route("plant/s1/l1/sensor/d1") == nil)
        #expect(router.route("other/topic") == nil)
        #expect(Router(routes: []).route("any") == nil)
    }

    @Test func subscriptionFiltersAreDeduplicatedInRouteOrder() throws {
        let router = Router(routes: [
            try route("plant/{site}/x"),
            try route("other/#"),
            try route("plant/+/x", .number),
            try route("plant/{a}/x"),
            try route("third/{d}"),
            try route("other/#"),
        ])
        #expect(router.subscriptionFilters == ["plant/+/x", "other/#", "third/+"])
    }
}
