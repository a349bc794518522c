import Foundation
import Testing
@testable import ingestd_sim

/// `--excursions`: each excursion makes ingestd's rules raise and clear exactly what the
/// manifest's `excursions` says, and nothing else fires.
@Suite struct ExcursionTests {
    static let arguments = ["--families", "sensor,battery,equipment,machine", "--devices", "20", "--metrics", "2",
                            "--batteries", "40", "--equipment", "20", "--count", "80000", "--rate", "2000",
                            "--excursions", "--silence", "6"]

    /// Plays a run of `arguments` (plus `extra`) on a made-up clock; the oracle's staleness is 3 s.
    static func run(_ extra: [String] = []) throws -> (plan: PublishPlan, oracle: RuleOracle, sent: [PublishPlan.Message]) {
        let sim = try Simulator.parse(arguments + extra)
        var plan = try sim.makePlan()
        var oracle = RuleOracle(staleMs: 3_000)
        let sent = play(&plan, count: sim.count!, rate: sim.rate, oracle: &oracle)
        return (plan, oracle, sent)
    }

    @Test("each excursion raises and clears its rule exactly as the manifest says, at the times it gives",
          arguments: [["--seed", "42"], ["--seed", "7", "--duplicates", "0.05", "--malformed", "0.05"],
                      ["--seed", "11", "--batch", "5", "--duplicates", "0.02", "--malformed", "0.01"]])
    func excursionsMatchTheManifest(extra: [String]) throws {
        let (plan, oracle, _) = try Self.run(extra)
        let excursions = plan.excursions
        #expect(Set(excursions.map(\.kind)) == [.silence, .drift, .overheat, .lineRed])
        #expect(excursions.filter { $0.kind == .lineRed }.count == 5, "20 equipment on 4 lines")
        #expect(oracle.rejected == plan.malformedMessages - (plan.machine?.malformedMessages ?? 0), "excursion messages are valid")
        var unexplained = oracle.events
        for e in excursions {
            #expect(e.raises == 1 && e.clears == 1, "\(e)")
            let mine = oracle.events.filter { $0.rule == e.rule && $0.device == e.device && ($0.metric == e.metric || e.kind == .lineRed) }
            unexplained.removeAll { mine.contains($0) }
            #expect(mine.filter(\.raised).count == e.raises, "\(e): \(mine)")
            #expect(mine.filter { !$0.raised }.count == e.clears, "\(e): \(mine)")
            let (raise, clear) = (mine.first(where: \.raised)?.ts, mine.first(where: { !$0.raised })?.ts)
            switch e.kind {
            case .overheat, .lineRed:
                #expect(raise == e.from && clear == e.to, "\(e): \(mine)")
            case .drift:
                #expect(raise == e.from, "\(e): \(mine)")
                #expect(try #require(clear) >= e.from!, "\(e): \(mine)")
            case .silence:
                #expect(clear == e.to, "\(e): \(mine)")
                #expect(try #require(e.to) - e.from! >= 6_000, "\(e)")
            }
        }
        #expect(unexplained.isEmpty, "alerts no excursion explains: \(unexplained.prefix(10))")
    }

    @Test("the same seed plays the same messages and the same excursions")
    func sameSeedSameRun() throws {
        let a = try Self.run(["--seed", "5", "--duplicates", "0.02", "--malformed", "0.01"])
        let b = try Self.run(["--seed", "5", "--duplicates", "0.02", "--malformed", "0.01"])
        #expect(a.plan.excursions == b.plan.excursions)
        #expect(a.sent.map(\.topic) == b.sent.map(\.topic))
        #expect(a.sent.map(\.payload) == b.sent.map(\.payload))
        let c = try Self.run(["--seed", "6", "--duplicates", "0.02", "--malformed", "0.01"])
        #expect(a.sent.map(\.payload) != c.sent.map(\.payload))
    }

    @Test("the option changes neither the sensor's nor the machines' messages when no excursion is due yet")
    func excursionsLeaveTheStartOfTheRunAlone() throws {
        let on = try Simulator.parse(Self.arguments + ["--seed", "9"])
        let off = try Simulator.parse(Array(Self.arguments.filter { $0 != "--excursions" }.dropLast(2)) + ["--seed", "9"])
        var (planOn, planOff) = (try on.makePlan(), try off.makePlan())
        var (o1, o2) = (RuleOracle(staleMs: 3_000), RuleOracle(staleMs: 3_000))
        // Before 25 % of the run nothing differs: the excursions' choices have a stream of their own.
        let a = play(&planOn, count: 10_000, rate: 2000, oracle: &o1), b = play(&planOff, count: 10_000, rate: 2000, oracle: &o2)
        #expect(a.map(\.payload) == b.map(\.payload))
    }

    @Test("the manifest lists every field of an excursion, null ones included")
    func manifestEntryHasEveryKey() throws {
        let entry = Excursion(kind: .lineRed, family: "equipment_state", site: "s1", device: "eq3", metric: nil, rule: "line_red",
                              raises: 1, clears: 0, from: 1_800_000_000_000, to: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let json = String(decoding: try encoder.encode(entry), as: UTF8.self)
        #expect(json == #"{"clears":0,"device":"eq3","family":"equipment_state","from":1800000000000,"kind":"line_red","metric":null,"# +
                #""raises":1,"rule":"line_red","site":"s1","to":null}"#)
    }

    @Test("runs too short or too sparse for the excursions are refused with what to change",
          arguments: [["--rate", "0"], ["--count", "20000"], ["--devices", "1"], ["--lines", "1"], ["--batteries", "2000"]])
    func shortRunsAreRefused(change: [String]) {
        #expect(throws: (any Error).self) { try Simulator.parse(Self.arguments + change) }
    }
}
