import IngestCore

private let fuzzer = FamilyFuzzer(.sensor, patterns: [
    ("p/{site}/{line}/sensor/{device}/{metric}", .json),
    ("n/{device}/{metric}", .number),
    ("q/{site}/sensor", .json),  // the device from the payload
], topics: ["p/s1/l1/sensor/@/temp", "n/@/temp", "q/@/sensor"])

/// libFuzzer target `sensor`: sensor payloads (objects, batches, `values`, bare numbers) on
/// topics whose device level is fuzzed too.
@_cdecl("LLVMFuzzerTestOneInput")
public func sensorDecoderFuzzer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzer.run(data, size) { record, payload in
        guard let r = record as? SensorReading else { return FuzzCheck.require(false, "not a sensor reading: \(record)") }
        let limits = fuzzer.limits
        FuzzCheck.text("device", r.device, required: true, topicLevel: true, limits: limits, payload: payload)
        FuzzCheck.text("metric", r.metric, required: true, topicLevel: true, limits: limits, payload: payload)
        FuzzCheck.text("site", r.site, topicLevel: true, limits: limits, payload: payload)
        FuzzCheck.text("line", r.line, topicLevel: true, limits: limits, payload: payload)
        FuzzCheck.text("unit", r.unit, limits: limits, payload: payload)
        FuzzCheck.text("quality", r.quality, limits: limits, payload: payload)
        FuzzCheck.finite("value", r.value)
    }
    return 0
}
