import Testing
@testable import IngestCore

/// The pipeline as a state machine: a message in, actions out. Each test is a chain of
/// messages and the actions they must produce.
@Suite struct PipelineStateMachineTests {
    static let t0 = Fixture.t0
    static let ts = "2026-11-23T07:59:00Z"
    static let sensorTopic = "plant/s1/l1/sensor/d1/temp"
    static let batteryTopic = "plant/s1/battery/pack-7/telemetry"
    static let equipmentTopic = "plant/s1/l1/equipment/press-1/state"
    static let machineTopic = "plant/s1/l1/machine/cnc-4/events"

    let clock = ContinuousClock.now

    func machine(batchSize: Int = 100, maxAge: Duration = .seconds(1), dedupCapacity: Int = 1_000,
                 routes: [Route] = IngestConfig.defaultRoutes, settings: FamilySettings = FamilySettings()) -> PipelineStateMachine {
        PipelineStateMachine(routes: routes, settings: settings, dedupCapacity: dedupCapacity, batchSize: batchSize,
                             batchMaxAge: maxAge)
    }

    /// A message received `after` seconds past t0; `sequence` numbers it as the receipt clock would.
    func message(_ payload: String, topic: String = sensorTopic, after seconds: Int64 = 0, sequence: UInt64 = 1) -> InboundMessage {
        InboundMessage(topic: topic, payload: Array(payload.utf8), receivedAt: Self.t0 + seconds, sequence: sequence)
    }

    /// The actions of one message.
    func receive(_ m: InboundMessage, into p: inout PipelineStateMachine, clock: ContinuousClock.Instant? = nil) -> [PipelineAction] {
        var actions: [PipelineAction] = []
        p.messageReceived(m, now: Self.t0, clock: clock ?? self.clock, actions: &actions)
        return actions
    }

    func shutdown(_ p: inout PipelineStateMachine) -> [PipelineAction] {
        var actions: [PipelineAction] = []
        p.shutdownRequested(actions: &actions)
        return actions
    }

    /// The batch of the one flush among `actions`.
    func flushed(_ actions: [PipelineAction], sourceLocation: SourceLocation = #_sourceLocation) throws -> Batch {
        let batches = actions.compactMap { if case .flush(let b) = $0 { b } else { nil } }
        #expect(batches.count == 1, "\(actions)", sourceLocation: sourceLocation)
        return try #require(batches.first, sourceLocation: sourceLocation)
    }

    func reading(_ value: Double, receivedAt: Int64 = 0) -> SensorReading {
        SensorReading(ts: Timestamp(rfc3339: Self.ts)!, device: "d1", metric: "temp", value: value, site: "s1", line: "l1",
                      receivedAt: Self.t0 + receivedAt)
    }

    func sensor(_ value: Double) -> String { #"{"ts": "\#(Self.ts)", "value": \#(value)}"# }

    func event(_ id: String, defects: Int, receivedTime: String) -> String {
        #"{"event_id": "\#(id)", "event_time": "\#(Self.ts)", "duration_ms": 1000, "defect_count": \#(defects), "received_time": "\#(receivedTime)"}"#
    }

    // MARK: One action per fate

    @Test func acceptedRecordsAreCountedAndJoinTheBatch() throws {
        var p = machine()
        #expect(receive(message(sensor(1)), into: &p) == [.counted(family: "sensor", fate: .accepted, count: 1)])
        #expect(p.pendingCount == 1)
        #expect(receive(message(#"[{"ts": "\#(Self.ts)", "values": {"a": 1}}, {"ts": "\#(Self.ts)", "values": {"b": 2}}]"#), into: &p)
            == [.counted(family: "sensor", fate: .accepted, count: 2)])
        #expect(p.pendingCount == 3)
        let batch = try flushed(shutdown(&p))
        #expect(batch.rows(SensorReading.self)?.map(\.metric) == ["temp", "a", "b"])
        #expect(batch.rows(SensorReading.self)?.first == reading(1))
    }

    @Test func aRepeatedRecordIsADuplicateAndAddsNothing() throws {
        var p = machine()
        _ = receive(message(sensor(1)), into: &p)
        #expect(receive(message(sensor(1), after: 1), into: &p) == [.counted(family: "sensor", fate: .duplicate, count: 1)])
        #expect(p.pendingCount == 1)
        #expect(try flushed(shutdown(&p)).rows(SensorReading.self) == [reading(1)])
    }

    @Test func aCorrectionIsAnUpdateAndJoinsTheBatchBesideTheOriginal() throws {
        var p = machine()
        _ = receive(message(sensor(1)), into: &p)
        #expect(receive(message(sensor(2), after: 1), into: &p) == [.counted(family: "sensor", fate: .updated, count: 1)])
        #expect(p.pendingCount == 2)
        let batch = try flushed(shutdown(&p))
        let rows = try #require(batch.tables.first as? Rows<SensorReading>)
        #expect(rows.records == [reading(1), reading(2, receivedAt: 1)])
        #expect(rows.mayRepeatKeys, "the writer keeps the last version of the key")
        #expect(rows.recordsWithUniqueKeys == [reading(2, receivedAt: 1)])
    }

    @Test func aBatchAfterTheOneWithTheCorrectionNoLongerMayRepeatKeys() throws {
        var p = machine()
        _ = receive(message(sensor(1)), into: &p)
        _ = receive(message(sensor(2), after: 1), into: &p)
        _ = shutdown(&p)
        _ = receive(message(#"{"ts": "\#(Self.ts)", "values": {"hum": 1}}"#, after: 2), into: &p)
        let rows = try #require(try flushed(shutdown(&p)).tables.first as? Rows<SensorReading>)
        #expect(!rows.mayRepeatKeys)
    }

    @Test func anOlderVersionArrivingLateIsStaleAndAddsNothing() throws {
        var p = machine()
        #expect(receive(message(event("e1", defects: 2, receivedTime: "2026-11-23T07:59:30Z"), topic: Self.machineTopic), into: &p)
            == [.counted(family: "machine_event", fate: .accepted, count: 1)])
        #expect(receive(message(event("e1", defects: 0, receivedTime: "2026-11-23T07:59:10Z"), topic: Self.machineTopic), into: &p)
            == [.counted(family: "machine_event", fate: .stale, count: 1)])
        #expect(receive(message(event("e1", defects: 2, receivedTime: "2026-11-23T07:59:40Z"), topic: Self.machineTopic), into: &p)
            == [.counted(family: "machine_event", fate: .duplicate, count: 1)])
        #expect(p.pendingCount == 1)
        #expect(try flushed(shutdown(&p)).rows(MachineEvent.self)?.map(\.defectCount) == [2])
    }

    /// A corrected state change (same equipment, changed_at, source and seq; other state) is
    /// an update: both versions travel in one batch, the correction last.
    @Test func aCorrectedStateChangeFollowsItsOriginalInTheBatch() throws {
        var p = machine()
        let original = #"{"state": "green", "changed_at": "\#(Self.ts)", "source": "tablet-1", "seq": 4}"#
        let corrected = #"{"state": "red", "changed_at": "\#(Self.ts)", "source": "tablet-1", "seq": 4}"#
        _ = receive(message(original, topic: Self.equipmentTopic), into: &p)
        #expect(receive(message(corrected, topic: Self.equipmentTopic, after: 1), into: &p)
            == [.counted(family: "equipment_state", fate: .updated, count: 1)])
        let rows = try #require(try flushed(shutdown(&p)).tables.first as? Rows<EquipmentStateChange>)
        #expect(rows.records.map(\.state) == ["green", "red"])
        #expect(rows.mayRepeatKeys)
        #expect(rows.recordsWithUniqueKeys.map(\.state) == ["red"])
    }

    @Test func aRejectedMessageIsCountedAndItsDeadLetterGoesOutAndIntoTheNextBatch() throws {
        var p = machine()
        let m = message(#"{"value": "hot"}"#)
        let actions = receive(m, into: &p)
        let letter = DeadLetter(topic: Self.sensorTopic, family: "sensor", reasonCode: "wrong_type",
                                reason: "field 'value' must be a number, got a string", payload: m.payload,
                                payloadSize: m.payload.count, receivedAt: Self.t0, sequence: m.sequence)
        #expect(actions == [.counted(family: "sensor", fate: .rejected("wrong_type"), count: 1), .deadLetter(letter)])
        #expect(p.pendingCount == 1, "a dead letter is an entry of the batch")
        let batch = try flushed(shutdown(&p))
        #expect(batch.deadLetters == [letter])
        #expect(batch.tables.isEmpty)
    }

    @Test func aMessageWithGoodAndBadRecordsCountsEachFateAndSendsOneDeadLetter() throws {
        var p = machine()
        _ = receive(message(#"{"ts": "\#(Self.ts)", "values": {"a": 1}}"#), into: &p)
        let actions = receive(message(#"""
            [{"ts": "\#(Self.ts)", "values": {"a": 1}}, {"ts": "\#(Self.ts)", "values": {"b": 5}},
             {"ts": "\#(Self.ts)", "value": "x"}, {"ts": "\#(Self.ts)", "unit": "c"}]
            """#, after: 1), into: &p)
        #expect(actions.count == 5)
        #expect(Array(actions.prefix(4)) == [
            .counted(family: "sensor", fate: .accepted, count: 1),
            .counted(family: "sensor", fate: .duplicate, count: 1),
            .counted(family: "sensor", fate: .rejected("wrong_type"), count: 1),
            .counted(family: "sensor", fate: .rejected("missing_field"), count: 1),
        ])
        guard case .deadLetter(let letter) = actions.last else { Issue.record("\(actions)"); return }
        #expect(letter.reason == "record 2: field 'value' must be a number, got a string (2 of 4 records rejected)")
        #expect(p.pendingCount == 3, "two rows and one dead letter")
    }

    @Test func aMessageOnNoRouteIsUnroutedWithReasonNoRoute() throws {
        var p = machine()
        let m = message("21.5", topic: "elsewhere/d1")
        let actions = receive(m, into: &p)
        let letter = DeadLetter(topic: "elsewhere/d1", family: "unrouted", reasonCode: "no_route",
                                reason: "no route matches the topic", payload: m.payload, payloadSize: 4,
                                receivedAt: Self.t0, sequence: m.sequence)
        #expect(actions == [.counted(family: "unrouted", fate: .rejected("no_route"), count: 1), .deadLetter(letter)])
        #expect(try flushed(shutdown(&p)).deadLetters == [letter])
    }

    @Test func aPayloadNamingAnotherDeviceIsAnIdentityMismatchDeadLetter() throws {
        var p = machine()
        let actions = receive(message(#"{"device": "d2", "ts": "\#(Self.ts)", "value": 1}"#), into: &p)
        #expect(actions.first == .counted(family: "sensor", fate: .rejected("identity_mismatch"), count: 1))
        guard case .deadLetter(let letter) = actions.last else { Issue.record("\(actions)"); return }
        #expect(letter.family == "sensor")
        #expect(letter.reasonCode == "identity_mismatch")
        #expect(letter.reason == "field 'device' is 'd2' but the topic says 'd1'; a device may only publish as itself")
        #expect(try flushed(shutdown(&p)).rows(SensorReading.self) == nil, "nothing is written as d2 or d1")
    }

    @Test func everyFamilyHasItsIdentityChecked() {
        var p = machine()
        let cases = [
            (Self.batteryTopic, #"{"battery": "pack-8", "soc": 1}"#, "battery"),
            (Self.equipmentTopic, #"{"equipment": "press-2", "state": "red", "changed_at": "\#(Self.ts)", "source": "t"}"#,
             "equipment_state"),
            (Self.machineTopic, #"{"machine": "cnc-5", "event_id": "e", "event_time": "\#(Self.ts)", "duration_ms": 1}"#,
             "machine_event"),
        ]
        for (topic, payload, family) in cases {
            #expect(receive(message(payload, topic: topic), into: &p).first
                == .counted(family: family, fate: .rejected("identity_mismatch"), count: 1))
        }
    }

    // MARK: Families

    @Test func aFlushedBatchHoldsEachFamilysRows() throws {
        var p = machine()
        #expect(receive(message(sensor(1)), into: &p) == [.counted(family: "sensor", fate: .accepted, count: 1)])
        #expect(receive(message(#"{"ts": "\#(Self.ts)", "soc": 80, "voltage": 48.1}"#, topic: Self.batteryTopic), into: &p)
            == [.counted(family: "battery", fate: .accepted, count: 1)])
        #expect(receive(message(#"{"state": "red", "changed_at": "\#(Self.ts)", "source": "tablet-1"}"#,
                                topic: Self.equipmentTopic), into: &p)
            == [.counted(family: "equipment_state", fate: .accepted, count: 1)])
        #expect(receive(message(#"[{"event_id": "e1", "event_time": "\#(Self.ts)", "duration_ms": 1000}, {"event_id": "e2", "event_time": "\#(Self.ts)", "duration_ms": 2000}]"#,
                                topic: Self.machineTopic), into: &p)
            == [.counted(family: "machine_event", fate: .accepted, count: 2)])
        #expect(p.pendingCount == 5)
        let batch = try flushed(shutdown(&p))
        #expect(batch.rows(SensorReading.self) == [reading(1)])
        let battery = try #require(batch.rows(BatteryReading.self))
        #expect(battery.map(\.battery) == ["pack-7"] && battery.first?.soc == 80 && battery.first?.site == "s1")
        let changes = try #require(batch.rows(EquipmentStateChange.self))
        #expect(changes.map(\.equipment) == ["press-1"] && changes.first?.line == "l1")
        #expect(batch.rows(MachineEvent.self)?.map(\.eventID) == ["e1", "e2"])
        #expect(Set(batch.tables.map(\.family)) == Set(Family.allCases))
        #expect(batch.count == 5)
    }

    /// Two routes of one family share its lane, so its window sees both.
    @Test func routesOfOneFamilyShareTheirDedupWindow() throws {
        let routes = [
            Route(pattern: try TopicPattern("plant/{site}/{line}/sensor/{device}/{metric}"), family: .sensor, format: .json),
            Route(pattern: try TopicPattern("raw/{device}/{metric}"), family: .sensor, format: .number),
        ]
        var p = machine(routes: routes)
        _ = receive(message(#"{"value": 21.5}"#, topic: "plant/s1/l1/sensor/d1/temp"), into: &p)
        // A bare number is stamped with its receipt time: the same key as the reading above.
        #expect(receive(message("21.5", topic: "raw/d1/temp"), into: &p) == [.counted(family: "sensor", fate: .duplicate, count: 1)])
    }

    @Test func familySettingsReachTheValidators() {
        var settings = FamilySettings()
        settings.battery.soc = 0...90
        settings.equipmentState.knownEquipment = ["press-2"]
        var p = machine(settings: settings)
        #expect(receive(message(#"{"soc": 95}"#, topic: Self.batteryTopic), into: &p).first
            == .counted(family: "battery", fate: .rejected("out_of_range"), count: 1))
        #expect(receive(message(#"{"state": "red", "changed_at": "\#(Self.ts)", "source": "t"}"#, topic: Self.equipmentTopic), into: &p).first
            == .counted(family: "equipment_state", fate: .rejected("unknown_equipment"), count: 1))
    }

    // MARK: Batching

    @Test func aBatchIsFlushedWhenItHoldsBatchSizeEntries() throws {
        var p = machine(batchSize: 3)
        #expect(receive(message(sensor(1)), into: &p).count == 1)
        #expect(receive(message(#"{"value": "x"}"#), into: &p).count == 2)    // a dead letter counts
        let actions = receive(message(#"{"ts": "\#(Self.ts)", "values": {"hum": 3}}"#), into: &p)
        #expect(actions.first == .counted(family: "sensor", fate: .accepted, count: 1))
        let batch = try flushed(actions)
        #expect(batch.count == 3)
        #expect(batch.rows(SensorReading.self)?.map(\.metric) == ["temp", "hum"])
        #expect(batch.deadLetters.map(\.reasonCode) == ["wrong_type"])
        #expect(p.pendingCount == 0)
        #expect(p.deadline == nil)
        #expect(shutdown(&p).isEmpty, "nothing is left to flush")
    }

    @Test func aBatchIsFlushedWhenTheTimerFiresAtItsDeadline() throws {
        var p = machine(maxAge: .milliseconds(200))
        #expect(p.deadline == nil)
        _ = receive(message(sensor(1)), into: &p, clock: clock)
        #expect(p.deadline == clock + .milliseconds(200))
        var actions: [PipelineAction] = []
        p.timerFired(clock: clock + .milliseconds(199), actions: &actions)
        #expect(actions.isEmpty)
        p.timerFired(clock: clock + .milliseconds(200), actions: &actions)
        #expect(try flushed(actions).rows(SensorReading.self) == [reading(1)])
        #expect(p.deadline == nil)
    }

    @Test func shutdownFlushesWhatIsPendingAndThenNothing() throws {
        var p = machine()
        _ = receive(message(sensor(1)), into: &p)
        _ = receive(message("nope"), into: &p)
        let batch = try flushed(shutdown(&p))
        #expect(batch.count == 2)
        #expect(shutdown(&p).isEmpty)
    }

    @Test func aBatchCarriesTheSequenceOfTheLastMessage() throws {
        var p = machine(batchSize: 2)
        _ = receive(message(sensor(1), sequence: 1), into: &p)
        let full = receive(message(sensor(2), after: 1, sequence: 2), into: &p)    // fills the batch
        #expect(try flushed(full).lastSequence == 2)
        _ = receive(message(sensor(3), after: 2, sequence: 3), into: &p)
        _ = receive(message(sensor(3), after: 3, sequence: 4), into: &p)           // a duplicate: no entry
        let batch = try flushed(shutdown(&p))
        #expect(batch.lastSequence == 4, "the duplicate's fate is settled by this batch too")
    }

    @Test func deadLettersAreHandedOverOnceOnly() throws {
        var p = machine(batchSize: 1)
        let first = try flushed(receive(message("nope"), into: &p))
        #expect(first.deadLetters.count == 1)
        let second = try flushed(receive(message(sensor(1)), into: &p))
        #expect(second.deadLetters.isEmpty)
        #expect(second.rows(SensorReading.self) == [reading(1)])
    }

    @Test func aMessageThatAddsNothingStartsNoDeadline() {
        var p = machine()
        _ = receive(message(sensor(1)), into: &p)
        _ = shutdown(&p)
        #expect(receive(message(sensor(1)), into: &p) == [.counted(family: "sensor", fate: .duplicate, count: 1)])
        #expect(p.deadline == nil)
        #expect(p.pendingCount == 0)
    }
}
