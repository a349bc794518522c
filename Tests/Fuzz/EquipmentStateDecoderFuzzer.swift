import IngestCore

private let fuzzer = FamilyFuzzer(.equipmentState, patterns: [
    ("p/{site}/{line}/equipment/{equipment}/state", .json),
    ("q/{site}/{line}/equipment", .json),  // the equipment from the payload
], topics: ["p/s1/l1/equipment/@/state", "q/s1/@/equipment"])

/// libFuzzer target `equipment_state`: magnet-board changes from tablets.
@_cdecl("LLVMFuzzerTestOneInput")
public func equipmentStateDecoderFuzzer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzer.run(data, size) { record, payload in
        guard let c = record as? EquipmentStateChange else { return FuzzCheck.require(false, "not a state change: \(record)") }
        let limits = fuzzer.limits
        FuzzCheck.text("equipment", c.equipment, required: true, topicLevel: true, limits: limits, payload: payload)
        FuzzCheck.text("source", c.source, required: true, limits: limits, payload: payload)
        FuzzCheck.text("worker", c.worker, limits: limits, payload: payload)
        FuzzCheck.text("site", c.site, topicLevel: true, limits: limits, payload: payload)
        FuzzCheck.text("line", c.line, topicLevel: true, limits: limits, payload: payload)
        FuzzCheck.require(EquipmentStateSettings().states.contains(c.state), "state '\(c.state)' is not a configured one")
    }
    return 0
}
