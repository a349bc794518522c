import IngestCore

private let fuzzer = FamilyFuzzer(.battery, patterns: [
    ("p/{site}/battery/{battery}/telemetry", .json),
    ("q/{site}/battery", .json),  // the battery from the payload
], topics: ["p/s1/battery/@/telemetry", "q/@/battery"])

/// libFuzzer target `battery`: battery payloads with their `extra` members.
@_cdecl("LLVMFuzzerTestOneInput")
public func batteryDecoderFuzzer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzer.run(data, size) { record, payload in
        guard let r = record as? BatteryReading else { return FuzzCheck.require(false, "not a battery reading: \(record)") }
        let limits = fuzzer.limits
        FuzzCheck.text("battery", r.battery, required: true, topicLevel: true, limits: limits, payload: payload)
        FuzzCheck.text("site", r.site, topicLevel: true, limits: limits, payload: payload)
        for (name, value) in [("voltage", r.voltage), ("current", r.current), ("temperature", r.temperature), ("soc", r.soc), ("soh", r.soh)] {
            FuzzCheck.finite(name, value)
        }
        if let extra = r.extra {
            // Stored as jsonb: it must be JSON, and jsonb holds no NUL.
            let parsed = try? JSONParser(maxDepth: 256).parse(Array(extra.utf8))
            FuzzCheck.require(parsed != nil, "extra is not JSON: \(extra)")
            FuzzCheck.require(!extra.contains("\\u0000"), "extra holds NUL, which jsonb refuses")
        }
    }
    return 0
}
