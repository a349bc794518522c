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

    /// The level that names the device depends on the family; other levels the family does not
    /// know are ignored on the hot path.
    @Test func routeFieldsFillTheFamilysIdentityLevel() throws {
        let battery = Route(pattern: try TopicPattern("p/{site}/{line}/{device}/{battery}"), family: .battery, format: .json)
        let sensor = Route(pattern: try TopicPattern("q/{site}/{device}/{metric}/{unit}"), family: .sensor, format: .json)
        let router = Router(routes: [battery, sensor])
        let (b, bFields) = try #require(router.routeIndex("p/s1/l1/d9/pack-7"))
        #expect(router.routes[b] == battery)
        #expect(bFields == TopicFields(identity: "pack-7", site: "s1", line: "l1"))
        let (index, sFields) = try #require(router.routeIndex("q/s1/d1/temp/C"))
        #expect(index == 1)
        #expect(sFields == TopicFields(identity: "d1", metric: "temp", site: "s1", unit: "C"))
    }

    @Test func topicFieldsFromADictionaryTakeTheIdentityByName() {
        let fields = ["device": "d1", "machine": "m1", "site": "s1", "other": "x"]
        #expect(TopicFields(fields) == TopicFields(identity: "d1", site: "s1"))
        #expect(TopicFields(fields, identityName: "machine") == TopicFields(identity: "m1", site: "s1"))
    }

    @Test func routeIndexIsNilWhenNoRouteMatches() throws {
        #expect(Router(routes: [try route("a/{device}/{metric}")]).routeIndex("b/d/m") == nil)
    }
}
