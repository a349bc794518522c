import Testing
@testable import IngestCore

/// Hostile payloads through the whole pipeline state machine: each is one dead letter with
/// its reason, nothing of it is a row, and the pipeline goes on (a valid message after the
/// corpus is accepted).
@Suite struct HostileInputTests {
    static let t0 = Fixture.t0
    static let root = "hostile"

    static func routes(root: String = root) -> [Route] {
        [
            Route(pattern: try! TopicPattern("\(root)/{site}/{line}/sensor/{device}/{metric}"), family: .sensor, format: .json),
            Route(pattern: try! TopicPattern("\(root)/{site}/battery/{battery}/telemetry"), family: .battery, format: .json),
            Route(pattern: try! TopicPattern("\(root)/{site}/{line}/equipment/{equipment}/state"), family: .equipmentState, format: .json),
            Route(pattern: try! TopicPattern("\(root)/{site}/{line}/machine/{machine}/events"), family: .machineEvent, format: .json),
        ]
    }

    func machine() -> PipelineStateMachine {
        PipelineStateMachine(routes: Self.routes(), settings: FamilySettings(), dedupCapacity: 1_000, batchSize: 100_000,
                             batchMaxAge: .seconds(3600))
    }

    func receive(_ topic: String, _ payload: [UInt8], into p: inout PipelineStateMachine) -> [PipelineAction] {
        var actions: [PipelineAction] = []
        p.messageReceived(InboundMessage(topic: topic, payload: payload, receivedAt: Self.t0), now: Self.t0,
                          clock: .now, actions: &actions)
        return actions
    }

    @Test(arguments: HostileCorpus.cases)
    func eachHostilePayloadIsOneDeadLetterWithItsReason(_ c: HostileCase) throws {
        var p = machine()
        let payload = c.payload(Self.t0.microseconds / 1_000)
        let actions = receive("\(Self.root)/\(c.topic)", payload, into: &p)
        let letters = actions.compactMap { if case .deadLetter(let l) = $0 { l } else { nil } }
        #expect(letters.map(\.reasonCode) == [c.reason], "\(letters.map(\.reason))")
        #expect(letters.first?.family == c.family)
        #expect(letters.first.map { $0.payload.count <= Limits().deadLetterPayloadBytes } == true)
        #expect(letters.first.map { $0.reason.utf8.count < 400 } == true, "a reason quotes values clipped: \(letters.first?.reason ?? "")")
        let accepted = actions.filter { if case .counted(_, .accepted, _) = $0 { true } else { false } }
        #expect(accepted.isEmpty, "\(actions)")
        var end: [PipelineAction] = []
        p.shutdownRequested(actions: &end)
        let batch = try #require(end.compactMap { if case .flush(let b) = $0 { b } else { nil } }.first)
        #expect(batch.rowCount == 0)
        #expect(batch.deadLetters.count == 1)
    }

    @Test func theWholeCorpusInOnePipelineLeavesItAbleToAcceptAValidMessage() throws {
        var p = machine()
        let nowMs = Self.t0.microseconds / 1_000
        var letters: [String] = []
        for c in HostileCorpus.cases {
            for case .deadLetter(let l) in receive("\(Self.root)/\(c.topic)", c.payload(nowMs), into: &p) { letters.append(l.reasonCode) }
        }
        #expect(letters == HostileCorpus.cases.map(\.reason))
        let after = receive("\(Self.root)/\(HostileCorpus.sensor)", Array(#"{"value": 21.5}"#.utf8), into: &p)
        #expect(after.contains(.counted(family: "sensor", fate: .accepted, count: 1)), "\(after)")
        var end: [PipelineAction] = []
        p.shutdownRequested(actions: &end)
        let batch = try #require(end.compactMap { if case .flush(let b) = $0 { b } else { nil } }.first)
        #expect(batch.rows(SensorReading.self)?.map(\.value) == [21.5])
        #expect(batch.rowCount == 1)
        #expect(batch.deadLetters.count == HostileCorpus.cases.count)
    }

    @Test func theCorpusNamesEveryKindOfHostileInputTheIssueLists() {
        let reasons = Set(HostileCorpus.cases.map(\.reason))
        for reason in ["payload_too_large", "too_deep", "batch_too_long", "not_finite", "malformed_json", "control_character",
                       "nul_character", "invalid_utf8", "wildcard_character", "identity_mismatch", "empty_string",
                       "wrong_type", "duplicate_key"] {
            #expect(reasons.contains(reason), "no case for \(reason)")
        }
        #expect(Set(HostileCorpus.cases.map(\.family)) == Set(Family.allCases.map(\.rawValue)))
    }
}
