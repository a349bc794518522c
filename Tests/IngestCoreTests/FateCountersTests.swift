import Testing
@testable import IngestCore

@Suite struct FateCountersTests {
    func letter(family: String) -> DeadLetter {
        DeadLetter(topic: "t", family: family, reasonCode: "x", reason: "x", payload: [], bound: 0, receivedAt: Fixture.t0)
    }

    /// Sensor: 5 accepted, 2 duplicates, 1 update, 3 rejections (2 wrong_type, 1 ts_in_future)
    /// in 2 dead letters. Battery: 1 accepted, 1 stale. Unrouted: 1 rejection, 1 dead letter.
    func sample() -> FateCounters {
        var c = FateCounters()
        let actions: [PipelineAction] = [
            .counted(family: "sensor", fate: .accepted, count: 3),
            .counted(family: "sensor", fate: .accepted, count: 2),
            .counted(family: "sensor", fate: .duplicate, count: 2),
            .counted(family: "sensor", fate: .updated, count: 1),
            .counted(family: "sensor", fate: .rejected("wrong_type"), count: 1),
            .counted(family: "sensor", fate: .rejected("wrong_type"), count: 1),
            .counted(family: "sensor", fate: .rejected("ts_in_future"), count: 1),
            .deadLetter(letter(family: "sensor")),
            .deadLetter(letter(family: "sensor")),
            .counted(family: "battery", fate: .accepted, count: 1),
            .counted(family: "battery", fate: .stale, count: 1),
            .counted(family: "unrouted", fate: .rejected("no_route"), count: 1),
            .deadLetter(letter(family: "unrouted")),
            .flush(Batch()),
        ]
        for a in actions { c.apply(a) }
        return c
    }

    @Test func countsEveryFatePerFamily() {
        let c = sample()
        let sensor = c.byFamily["sensor"]
        #expect(sensor?.accepted == 5)
        #expect(sensor?.duplicate == 2)
        #expect(sensor?.updated == 1)
        #expect(sensor?.stale == 0)
        #expect(sensor?.rejected == 3)
        #expect(sensor?.deadLetters == 2)
        #expect(sensor?.rejectedByReason == ["wrong_type": 2, "ts_in_future": 1])
        #expect(c.byFamily["battery"]?.stale == 1)
        #expect(c.byFamily["unrouted"]?.rejectedByReason == ["no_route": 1])
        #expect(c.byFamily.keys.sorted() == ["battery", "sensor", "unrouted"])
    }

    @Test func aFlushCountsNothing() {
        var c = FateCounters()
        c.apply(.flush(Batch(deadLetters: [letter(family: "sensor")])))
        #expect(c.isEmpty)
    }

    @Test func totalAddsTheFamiliesUp() {
        let t = sample().total
        #expect(t.accepted == 6)
        #expect(t.duplicate == 2)
        #expect(t.updated == 1)
        #expect(t.stale == 1)
        #expect(t.rejected == 4)
        #expect(t.deadLetters == 3)
        #expect(t.rejectedByReason == ["wrong_type": 2, "ts_in_future": 1, "no_route": 1])
    }

    @Test func addMergesCountersFamilyByFamily() {
        var a = sample()
        a.add(sample())
        #expect(a.byFamily["sensor"]?.accepted == 10)
        #expect(a.byFamily["sensor"]?.rejectedByReason == ["wrong_type": 4, "ts_in_future": 2])
        #expect(a.byFamily["unrouted"]?.deadLetters == 2)
        var empty = FateCounters()
        empty.add(sample())
        #expect(empty == sample())
    }

    @Test func summaryIsOneLineWithFamiliesAndReasonsSorted() {
        #expect(sample().summary == "battery: accepted=1 duplicate=0 updated=0 stale=1 rejected=0 dead_letters=0; "
            + "sensor: accepted=5 duplicate=2 updated=1 stale=0 rejected=3 dead_letters=2 (ts_in_future=1 wrong_type=2); "
            + "unrouted: accepted=0 duplicate=0 updated=0 stale=0 rejected=1 dead_letters=1 (no_route=1)")
    }

    @Test func emptyCountersSayNothingYet() {
        #expect(FateCounters().isEmpty)
        #expect(FateCounters().summary == "nothing yet")
        #expect(FateCounters().json == "{}")
    }

    @Test func jsonIsAnObjectPerFamily() throws {
        let json = sample().json
        #expect(json.hasPrefix(#"{"battery":{"accepted":1,"duplicate":0,"updated":0,"stale":1,"rejected":0,"dead_letters":0,"rejected_by_reason":{}},"sensor":"#))
        let v = try JSONParser().parse(Array(json.utf8))
        let sensor = try #require(v["sensor"])
        #expect(sensor["accepted"] == .number(5))
        #expect(sensor["duplicate"] == .number(2))
        #expect(sensor["updated"] == .number(1))
        #expect(sensor["stale"] == .number(0))
        #expect(sensor["rejected"] == .number(3))
        #expect(sensor["dead_letters"] == .number(2))
        #expect(sensor["rejected_by_reason"] == .object([("ts_in_future", .number(1)), ("wrong_type", .number(2))]))
        #expect(v["unrouted"]?["rejected_by_reason"]?["no_route"] == .number(1))
    }

    /// The status message carries the counters under "counters".
    @Test func theStatusMessageCarriesTheCounters() throws {
        let m = OutboundTopics(prefix: "ingestd/").status("online", version: "1.0", clientID: "ingestd", at: Fixture.t0,
                                                          counters: sample())
        #expect(m.topic == "ingestd/status")
        #expect(m.retain)
        let v = try JSONParser().parse(m.payload)
        #expect(v["state"] == .string("online"))
        #expect(v["counters"]?["battery"]?["stale"] == .number(1))
    }
}
