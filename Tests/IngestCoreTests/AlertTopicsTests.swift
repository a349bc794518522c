import Testing
@testable import IngestCore

/// What an alert's change publishes: the change under its severity, and the open alert
/// retained on its active topic, emptied when it clears.
@Suite struct AlertTopicsTests {
    let topics = OutboundTopics(prefix: "ingestd/")
    typealias F = AlertFixture

    var raised: Alert {
        Alert(rule: "temperature_high", kind: "threshold", severity: .warning, family: .sensor, site: "s1", device: "dev1",
              metric: "temperature", value: 92.5, threshold: 90, raisedAt: F.at(0), detail: "temperature 92.5 above 90")
    }

    func text(_ m: OutboundMessage) -> String { String(decoding: m.payload, as: UTF8.self) }

    @Test("a raise publishes the change and retains the alert on its active topic")
    func raisePublishesChangeAndRetainedActive() throws {
        let messages = topics.alert(AlertEvent(raised))
        #expect(messages.map(\.topic) == ["ingestd/alerts/warning/s1/dev1", "ingestd/alerts/active/s1/dev1/temperature_high"])
        #expect(messages.map(\.retain) == [false, true])
        #expect(messages.map(\.qos) == [1, 1])
        #expect(messages.map(text) == [raised.json, raised.json])
    }

    @Test("a clear publishes the change and an empty retained message on the same active topic")
    func clearEmptiesTheActiveTopic() {
        var cleared = raised
        cleared.clearedAt = F.at(60)
        cleared.clearValue = 80
        let messages = topics.alert(AlertEvent(cleared))
        #expect(messages.map(\.topic) == ["ingestd/alerts/warning/s1/dev1", "ingestd/alerts/active/s1/dev1/temperature_high"])
        #expect(text(messages[0]) == cleared.json)
        #expect(messages[1].retain && messages[1].payload.isEmpty)
    }

    @Test("a rule on every metric names rule.metric in the active topic")
    func everyMetricRuleNamesTheMetric() throws {
        var run = EngineRun([AlertRule(name: "hot", severity: .critical, family: .sensor,
                                       condition: .threshold(AlertRule.Bound(above: true, raise: 1, clear: 0)))])
        let alert = try #require(run.feed(F.value(5, at: 0, metric: "humidity")).first)
        let messages = topics.alert(alert)
        #expect(messages.map(\.topic) == ["ingestd/alerts/critical/s1/dev1", "ingestd/alerts/active/s1/dev1/hot.humidity"])
    }

    @Test("a device-wide alert has no metric in its JSON, and a missing site becomes '_'")
    func deviceWideAlertAndMissingSite() {
        let offline = Alert(rule: "offline", kind: "stale", severity: .warning, family: .sensor, site: nil, device: "dev1",
                            metric: "", value: 60, threshold: 60, raisedAt: F.at(60), detail: "no data from dev1 for 60.0 seconds")
        #expect(topics.alert(AlertEvent(offline)).map(\.topic) == ["ingestd/alerts/warning/_/dev1", "ingestd/alerts/active/_/dev1/offline"])
        #expect(!offline.json.contains("metric"))
    }

    @Test("the JSON holds every field, raised and cleared")
    func jsonFields() {
        #expect(raised.json == #"{"state":"raised","rule":"temperature_high","kind":"threshold","severity":"warning","family":"sensor","site":"s1","device":"dev1","metric":"temperature","value":92.5,"threshold":90,"raised_at":"2026-11-23T08:00:00.000000Z","cleared_at":null,"detail":"temperature 92.5 above 90"}"#)
        var cleared = raised
        cleared.clearedAt = F.at(60)
        cleared.clearValue = 84
        cleared.detail = "temperature 84 below 85"
        #expect(cleared.json == #"{"state":"cleared","rule":"temperature_high","kind":"threshold","severity":"warning","family":"sensor","site":"s1","device":"dev1","metric":"temperature","value":92.5,"threshold":90,"raised_at":"2026-11-23T08:00:00.000000Z","cleared_at":"2026-11-23T08:01:00.000000Z","clear_value":84,"detail":"temperature 84 below 85"}"#)
    }
}
