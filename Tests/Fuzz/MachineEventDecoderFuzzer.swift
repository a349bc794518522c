import IngestCore

private let fuzzer = FamilyFuzzer(.machineEvent, patterns: [
    ("p/{site}/{line}/machine/{machine}/events", .json),
    ("q/{site}/{line}/machine", .json),  // the machine from the payload
], topics: ["p/s1/l1/machine/@/events", "q/s1/@/machine"])

/// libFuzzer target `machine_event`: machine events, alone or in arrays.
@_cdecl("LLVMFuzzerTestOneInput")
public func machineEventDecoderFuzzer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzer.run(data, size) { record, payload in
        guard let e = record as? MachineEvent else { return FuzzCheck.require(false, "not a machine event: \(record)") }
        let limits = fuzzer.limits
        FuzzCheck.text("event_id", e.eventID, required: true, limits: limits, payload: payload)
        FuzzCheck.text("machine", e.machine, required: true, topicLevel: true, limits: limits, payload: payload)
        FuzzCheck.text("site", e.site, topicLevel: true, limits: limits, payload: payload)
        FuzzCheck.text("line", e.line, topicLevel: true, limits: limits, payload: payload)
        let settings = MachineEventSettings()
        FuzzCheck.require((0...settings.maxDurationMs).contains(e.durationMs), "duration \(e.durationMs) out of range")
        FuzzCheck.require((-1...Int64(Int32.max)).contains(e.defectCount), "defect count \(e.defectCount) out of range")
    }
    return 0
}
