import Testing
@testable import ingestd_sim

/// The normal play (no `--excursions`) never crosses the limits of ingestd's alert rules.
@Suite struct NormalPlayTests {
    @Test("200,000 messages of the four families, repeats and malformed ones included, raise no alert")
    func normalPlayRaisesNoAlert() throws {
        let seed: UInt64 = 42
        let sim = try Simulator.parse(["--families", "sensor,battery,equipment,machine", "--devices", "100", "--metrics", "2",
                                       "--batteries", "50", "--equipment", "20", "--duplicates", "0.02", "--malformed", "0.01",
                                       "--seed", String(seed)])
        var plan = try sim.makePlan()
        // 100 messages a second: the 200,000 span 2,000 s of `ts`, long enough for yellow to
        // get stuck and values to wander, were the plans to let them.
        var oracle = RuleOracle(staleMs: 60_000)
        _ = play(&plan, count: 200_000, rate: 100, oracle: &oracle)
        #expect(oracle.events.isEmpty, "\(oracle.events.prefix(10))")
        #expect(oracle.rejected == plan.malformedMessages - (plan.machine?.malformedMessages ?? 0))
        #expect(plan.excursions.isEmpty)
        #expect(oracle.maxBatteryTemperature < 55)
        #expect(oracle.minSoc >= 15)
        #expect(oracle.minSoh >= 72)
        #expect(oracle.redChanges == 0)
        #expect(oracle.longestYellowMs < 60_000, "yellow spells last a few rounds of the board")
        #expect(oracle.maxAbsZ < 4, "never past value_anomaly's 4 standard deviations")
    }

    @Test("a battery pack run long enough to wear out keeps its health at 75 % and its charge above 15 %")
    func batteryLimitsHoldOverALongLife() {
        var plan = PublishPlan(battery: BatteryPlan(batteries: 1, topicPrefix: "p", site: "s1", duplicates: 0, malformed: 0, seed: 3))
        var oracle = RuleOracle(staleMs: 60_000)
        _ = play(&plan, count: 100_000, rate: 10, oracle: &oracle)
        #expect(oracle.events.isEmpty, "\(oracle.events.prefix(10))")
        #expect(oracle.minSoh == BatteryPlan.lowestSoh)
        #expect(oracle.minSoc >= 15)
    }
}
