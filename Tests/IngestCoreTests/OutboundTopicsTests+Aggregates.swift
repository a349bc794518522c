import Testing
@testable import IngestCore

/// Closed windows on `{prefix}agg/{window}/{site}/{device}/{metric}`.
extension OutboundTopicsTests {
    static func summary(site: String?, device: String = "d1", metric: String = "temp") -> WindowSummary {
        WindowSummary(window: "10s", length: .seconds(10),
                      key: SeriesKey(family: .sensor, site: site, device: device, metric: metric),
                      start: Fixture.t0, end: Fixture.t0 + 10, count: 4, min: -2, max: 7.5, avg: 2.5, last: 0.5,
                      lastTs: Fixture.t0 + 5)
    }

    @Test func aClosedWindowIsPublishedOnceUnderItsWindowSiteDeviceAndMetric() {
        let m = topics.aggregate(Self.summary(site: "s1"))
        #expect(m.topic == "ingestd/agg/10s/s1/d1/temp")
        #expect(!m.retain && m.qos == 1)
        #expect(String(decoding: m.payload, as: UTF8.self) == Self.summary(site: "s1").json)
    }

    @Test func aggregateLevelsAreMadeSafe() {
        #expect(topics.aggregate(Self.summary(site: nil)).topic == "ingestd/agg/10s/_/d1/temp")
        #expect(topics.aggregate(Self.summary(site: "", device: "a/b", metric: "t+#")).topic == "ingestd/agg/10s/_/a_b/t__")
    }

    @Test func aWindowSummaryAsJSON() {
        #expect(Self.summary(site: "s1").json == #"{"window":"10s","site":"s1","device":"d1","metric":"temp","family":"sensor","start":"2026-11-23T08:00:00.000000Z","end":"2026-11-23T08:00:10.000000Z","count":4,"min":-2,"max":7.5,"avg":2.5,"last":0.5,"last_ts":"2026-11-23T08:00:05.000000Z"}"#)
        #expect(Self.summary(site: nil).json.contains(#""site":null,"#))
    }
}
