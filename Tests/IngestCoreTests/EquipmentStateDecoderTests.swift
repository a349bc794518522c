import Testing
@testable import IngestCore

@Suite struct EquipmentStateDecoderTests {
    static let receivedAt = Fixture.t0
    static let changedAt = "2026-11-23T07:58:00Z"
    static let topic = TopicFields(identity: "press-1", site: "s1", line: "l1")

    func decode(_ payload: String, topic: TopicFields = topic,
                settings: EquipmentStateSettings = EquipmentStateSettings()) -> Result<Decoded<EquipmentStateChange>, RejectReason> {
        EquipmentStateDecoder(limits: Limits(), settings: settings)
            .decode(Array(payload.utf8), format: .json, fields: topic, receivedAt: Self.receivedAt, limits: Limits())
    }

    func output(_ payload: String, topic: TopicFields = topic,
                sourceLocation: SourceLocation = #_sourceLocation) throws -> Decoded<EquipmentStateChange> {
        try decode(payload, topic: topic).output(sourceLocation: sourceLocation)
    }

    func change(_ payload: String, topic: TopicFields = topic,
                sourceLocation: SourceLocation = #_sourceLocation) throws -> EquipmentStateChange {
        try output(payload, topic: topic, sourceLocation: sourceLocation).onlyRecord(sourceLocation: sourceLocation)
    }

    func rejection(_ payload: String, topic: TopicFields = topic) throws -> RejectReason? {
        try output(payload, topic: topic).onlyRejection()
    }

    func validate(_ c: EquipmentStateChange, settings: EquipmentStateSettings = EquipmentStateSettings()) -> RejectReason? {
        EquipmentStateDecoder(limits: Limits(), settings: settings).validate(c, now: Self.receivedAt)
    }

    func valid(state: String = "red", equipment: String = "press-1") -> EquipmentStateChange {
        EquipmentStateChange(equipment: equipment, changedAt: Timestamp(rfc3339: Self.changedAt)!, source: "tablet-1",
                             state: state, receivedAt: Self.receivedAt)
    }

    // MARK: Decoding

    @Test func decodesStateChangedAtWorkerSourceAndSeq() throws {
        let c = try change(#"""
            {"state": "red", "changed_at": "\#(Self.changedAt)", "worker": "w-17", "source": "tablet-3", "seq": 12}
            """#)
        #expect(c == EquipmentStateChange(equipment: "press-1", changedAt: Timestamp(rfc3339: Self.changedAt)!,
                                          source: "tablet-3", state: "red", worker: "w-17", seq: 12, site: "s1",
                                          line: "l1", receivedAt: Self.receivedAt))
    }

    @Test func workerAndSeqAreOptional() throws {
        let c = try change(#"{"state": "green", "changed_at": 1795421730, "source": "tablet-1"}"#)
        #expect(c.worker == nil)
        #expect(c.seq == nil)
        #expect(c.changedAt == Timestamp(rfc3339: "2026-11-23T08:15:30Z"))
    }

    /// The tablet the ACL pins to plant/s1/l1/equipment/press-1/state cannot move its
    /// equipment to another site or line: (site, line, equipment) is the equipment.
    @Test(arguments: [("site", "s9", "s1"), ("line", "l9", "l1")])
    func aPayloadSiteOrLineDisagreeingWithTheTopicIsAnIdentityMismatch(field: String, payload: String, topic: String) throws {
        let reason = try rejection(#"{"state": "red", "changed_at": "\#(Self.changedAt)", "source": "t", "\#(field)": "\#(payload)"}"#)
        #expect(reason == .identityMismatch(field: field, payload: payload, topic: topic))
        #expect(reason?.code == "identity_mismatch")
    }

    @Test func payloadSiteAndLineAgreeingWithTheTopicAreAccepted() throws {
        let c = try change(#"{"state": "red", "changed_at": "\#(Self.changedAt)", "source": "t", "site": "s1", "line": "l1"}"#)
        #expect(c.site == "s1" && c.line == "l1")
    }

    @Test func withoutSiteAndLineLevelsThePayloadNamesThem() throws {
        let c = try change(#"{"state": "red", "changed_at": "\#(Self.changedAt)", "source": "t", "site": "s2", "line": "l2"}"#,
                           topic: TopicFields(identity: "press-1"))
        #expect(c.site == "s2" && c.line == "l2")
    }

    @Test func theSameEquipmentNameOnTwoSitesIsTwoPiecesOfEquipment() throws {
        let a = try change(#"{"state": "red", "changed_at": "\#(Self.changedAt)", "source": "t"}"#)
        let b = try change(#"{"state": "green", "changed_at": "\#(Self.changedAt)", "source": "t"}"#,
                           topic: TopicFields(identity: "press-1", site: "s2", line: "l1"))
        #expect(a.identity != b.identity)
        #expect(EquipmentStateChange.newestPerEquipment([a, b]).map(\.state) == ["red", "green"])
    }

    @Test func unknownMembersAreIgnored() throws {
        let c = try change(#"{"state": "red", "changed_at": "\#(Self.changedAt)", "source": "t", "note": {"x": 1}}"#)
        #expect(c.state == "red")
    }

    @Test(arguments: [
        (#"{"changed_at": "2026-11-23T07:58:00Z", "source": "t"}"#, "state"),
        (#"{"state": "red", "source": "t"}"#, "changed_at"),
        (#"{"state": "red", "changed_at": null, "source": "t"}"#, "changed_at"),
        (#"{"state": "red", "changed_at": "2026-11-23T07:58:00Z"}"#, "source"),
    ])
    func reportsTheMissingField(payload: String, field: String) throws {
        #expect(try rejection(payload) == .missingField(field))
    }

    @Test(arguments: [
        (#"{"state": 1, "changed_at": "2026-11-23T07:58:00Z", "source": "t"}"#,
         RejectReason.wrongType(field: "state", expected: "a string", got: "a number")),
        (#"{"state": "red", "changed_at": "later", "source": "t"}"#, RejectReason.badTimestamp("later")),
        (#"{"state": "red", "changed_at": "2026-11-23T07:58:00Z", "source": "t", "seq": 1.5}"#,
         RejectReason.wrongType(field: "seq", expected: "an integer", got: "a number")),
        (#"{"state": "red", "changed_at": "2026-11-23T07:58:00Z", "source": ["t"]}"#,
         RejectReason.wrongType(field: "source", expected: "a string", got: "an array")),
    ])
    func rejectsFieldsOfTheWrongType(payload: String, reason: RejectReason) throws {
        #expect(try rejection(payload) == reason)
    }

    @Test func anArrayIsOneChangePerElement() throws {
        let out = try output(#"""
            [{"state": "red", "changed_at": "2026-11-23T07:58:00Z", "source": "t", "seq": 1},
             {"state": "red", "source": "t"},
             {"state": "green", "changed_at": "2026-11-23T07:59:00Z", "source": "t", "seq": 2}]
            """#)
        #expect(out.records.map(\.state) == ["red", "green"])
        #expect(out.rejections.map(\.0) == [1])
    }

    // MARK: Identity

    @Test func theTopicsEquipmentLevelIsTheIdentity() throws {
        #expect(EquipmentStateDecoder.identityField == "equipment")
        #expect(try change(#"{"state": "red", "changed_at": "\#(Self.changedAt)", "source": "t", "equipment": "press-1"}"#)
            .equipment == "press-1")
    }

    @Test func aPayloadNamingOtherEquipmentIsAnIdentityMismatch() throws {
        let reason = try rejection(#"{"state": "red", "changed_at": "\#(Self.changedAt)", "source": "t", "equipment": "press-2"}"#)
        #expect(reason == .identityMismatch(field: "equipment", payload: "press-2", topic: "press-1"))
        #expect(reason?.code == "identity_mismatch")
    }

    @Test func withoutATopicLevelThePayloadNamesTheEquipmentOrItIsMissing() throws {
        let payload = #"{"state": "red", "changed_at": "\#(Self.changedAt)", "source": "t""#
        #expect(try change(payload + #", "equipment": "press-9"}"#, topic: TopicFields()).equipment == "press-9")
        #expect(try rejection(payload + "}", topic: TopicFields()) == .missingField("equipment"))
    }

    // MARK: Validation

    @Test(arguments: ["green", "yellow", "red"])
    func acceptsTheDefaultStates(state: String) {
        #expect(validate(valid(state: state)) == nil)
    }

    @Test(arguments: ["blue", "Red", "", " red"])
    func rejectsAnUnknownState(state: String) {
        let reason = validate(valid(state: state))
        if state.isEmpty {
            #expect(reason == .emptyString(field: "state"))
        } else {
            #expect(reason == .unknownState(state, known: ["green", "yellow", "red"]))
            #expect(reason?.code == "unknown_state")
            #expect(reason?.description == "state '\(state)' is not one of green, yellow, red")
        }
    }

    @Test func statesAreConfigurable() {
        var settings = EquipmentStateSettings()
        settings.states = ["run", "stop"]
        #expect(validate(valid(state: "stop"), settings: settings) == nil)
        #expect(validate(valid(state: "red"), settings: settings) == .unknownState("red", known: ["run", "stop"]))
    }

    @Test func anyEquipmentIsAcceptedWithoutARegistry() {
        #expect(EquipmentStateSettings().knownEquipment == nil)
        #expect(validate(valid(equipment: "whatever-7")) == nil)
    }

    @Test func equipmentOutsideTheConfiguredRegistryIsRejected() {
        var settings = EquipmentStateSettings()
        settings.knownEquipment = ["press-1", "press-2"]
        #expect(validate(valid(equipment: "press-2"), settings: settings) == nil)
        let reason = validate(valid(equipment: "press-3"), settings: settings)
        #expect(reason == .unknownEquipment("press-3"))
        #expect(reason?.code == "unknown_equipment")
    }

    @Test func changedAtIsCheckedAgainstTheLimits() {
        var c = valid()
        c.changedAt = Self.receivedAt + 901
        #expect(validate(c)?.code == "ts_in_future")
        c.changedAt = Self.receivedAt - 8 * 86_400
        #expect(validate(c)?.code == "ts_too_old")
        c.changedAt = Self.receivedAt + 900
        #expect(validate(c) == nil)
    }

    @Test func requiredStringsMayNotBeEmptyAndOptionalOnesMay() {
        var c = valid()
        c.source = ""
        #expect(validate(c) == .emptyString(field: "source"))
        c = valid()
        c.worker = ""
        c.site = ""
        c.line = ""
        #expect(validate(c) == nil)
        c.worker = "w\u{0}"
        #expect(validate(c) == .nulCharacter(field: "worker"))
    }

    @Test func aBareNumberIsNotAStateChange() {
        guard case .failure(let reason) = decode("3") else { Issue.record("accepted"); return }
        #expect(reason == .notAnObject(got: "a number"))
    }
}
