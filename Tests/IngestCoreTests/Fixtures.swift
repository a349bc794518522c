import Testing
@testable import IngestCore

/// Records and dead letters the suites build batches from, each family with one varying field
/// so that entries are easy to tell apart.
enum Fixture {
    static let t0 = Timestamp(rfc3339: "2026-11-23T08:00:00Z")!

    static func reading(_ device: String, _ value: Double = 1, metric: String = "temp", ts: Timestamp = t0,
                        receivedAt: Timestamp = t0) -> SensorReading {
        SensorReading(ts: ts, device: device, metric: metric, value: value, receivedAt: receivedAt)
    }

    static func battery(_ battery: String, soc: Double = 50, ts: Timestamp = t0, receivedAt: Timestamp = t0) -> BatteryReading {
        BatteryReading(ts: ts, battery: battery, soc: soc, receivedAt: receivedAt)
    }

    static func stateChange(_ equipment: String, _ state: String = "green", changedAt: Timestamp = t0,
                            source: String = "tablet-1", seq: Int64? = nil, receivedAt: Timestamp = t0) -> EquipmentStateChange {
        EquipmentStateChange(equipment: equipment, changedAt: changedAt, source: source, state: state, seq: seq,
                             receivedAt: receivedAt)
    }

    static func event(_ id: String, durationMs: Int64 = 1_000, defects: Int64 = 0, receivedTime: Timestamp = t0) -> MachineEvent {
        MachineEvent(eventID: id, machine: "m1", line: "l1", eventTime: t0, durationMs: durationMs, defectCount: defects,
                     receivedTime: receivedTime, receivedAt: receivedTime)
    }

    static func letter(_ topic: String, sequence: UInt64 = 0) -> DeadLetter {
        DeadLetter(topic: topic, family: "sensor", reasonCode: RejectReason.emptyBatch.code,
                   reason: RejectReason.emptyBatch.description, payload: Array("[]".utf8), bound: 4096, receivedAt: t0,
                   sequence: sequence)
    }
}

extension Batch {
    /// Every entry in order — rows table by table, then dead letters — each as text that names
    /// it: a row's JSON, a dead letter's topic.
    var entryNames: [String] {
        tables.flatMap { t in (0..<t.count).map { t.json(at: $0) } } + deadLetters.map { "letter:" + $0.topic }
    }
}

extension Result where Failure == RejectReason {
    /// The output of a payload that must decode as a whole: a rejection of the whole message
    /// is recorded as an issue and thrown.
    func output(sourceLocation: SourceLocation = #_sourceLocation) throws -> Success {
        switch self {
        case .success(let out): return out
        case .failure(let reason):
            Issue.record("rejected: \(reason)", sourceLocation: sourceLocation)
            throw reason
        }
    }
}

extension Decoded {
    /// The one record of a payload that must decode without rejections.
    func onlyRecord(sourceLocation: SourceLocation = #_sourceLocation) throws -> Record {
        #expect(rejections.isEmpty, "\(rejections)", sourceLocation: sourceLocation)
        return try #require(records.first, sourceLocation: sourceLocation)
    }

    /// The first rejection of a payload none of whose records was accepted.
    func onlyRejection(sourceLocation: SourceLocation = #_sourceLocation) -> RejectReason? {
        #expect(records.isEmpty, sourceLocation: sourceLocation)
        return rejections.first?.1
    }
}
