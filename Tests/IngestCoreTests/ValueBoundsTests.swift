import Testing
@testable import IngestCore

/// The magnitudes a sensor value and the battery measures may have: configured per family,
/// refused outside as `out_of_range` naming the field, and never past `StorageBound` (what
/// the rollups' sums of squares hold).
@Suite struct ValueBoundsTests {
    static let now = Timestamp(rfc3339: "2026-11-23T08:00:00Z")!

    func sensor(_ value: Double, ranges: SensorRanges = SensorRanges()) -> RejectReason? {
        SensorValidator(limits: Limits(), ranges: ranges)
            .validate(SensorReading(ts: Self.now, device: "d1", metric: "temp", value: value, receivedAt: Self.now), now: Self.now)
    }

    func battery(_ r: BatteryReading, ranges: BatteryRanges = BatteryRanges()) -> RejectReason? {
        BatteryDecoder(limits: Limits(), ranges: ranges).validate(r, now: Self.now)
    }

    @Test(arguments: [0, 21.5, -1e15, 1e15, 1e-300])
    func aSensorValueWithinTheDefaultRangeIsAccepted(value: Double) {
        #expect(sensor(value) == nil)
    }

    @Test(arguments: [2e154, -2e154, 1.0000001e15, -1e16, 1e300, -Double.greatestFiniteMagnitude])
    func aSensorValueBeyondTheDefaultRangeIsOutOfRange(value: Double) {
        let reason = sensor(value)
        #expect(reason == .outOfRange(field: "value", value: value, range: -1e15...1e15))
        #expect(reason?.code == "out_of_range")
        #expect(reason?.description.contains("field 'value'") == true)
    }

    @Test func theConfiguredSensorRangeIsTheOneApplied() {
        var ranges = SensorRanges()
        ranges.value = -1e100...1e100
        #expect(sensor(1e100, ranges: ranges) == nil)
        #expect(sensor(-1e100, ranges: ranges) == nil)
        #expect(sensor(2e154, ranges: ranges)?.code == "out_of_range")
        ranges.value = 0...10
        #expect(sensor(11, ranges: ranges) == .outOfRange(field: "value", value: 11, range: 0...10))
    }

    @Test func batteryVoltageAndCurrentAreBoundedByDefault() {
        let t = Self.now
        #expect(battery(BatteryReading(ts: t, battery: "b1", voltage: 51.2, current: -12.5, receivedAt: t)) == nil)
        #expect(battery(BatteryReading(ts: t, battery: "b1", voltage: 1e6, current: -1e6, receivedAt: t)) == nil)
        #expect(battery(BatteryReading(ts: t, battery: "b1", voltage: 2e154, receivedAt: t))
                == .outOfRange(field: "voltage", value: 2e154, range: 0...1_000_000))
        #expect(battery(BatteryReading(ts: t, battery: "b1", current: -2e154, receivedAt: t))
                == .outOfRange(field: "current", value: -2e154, range: -1_000_000...1_000_000))
        #expect(battery(BatteryReading(ts: t, battery: "b1", current: 1e300, receivedAt: t))?.code == "out_of_range")
    }

    @Test func everyDefaultRangeIsInsideTheStorageBound() {
        let b = BatteryRanges()
        for range in [SensorRanges().value, b.voltage, b.current, b.temperature, b.soc, b.soh] {
            #expect(StorageBound.range.contains(range.lowerBound) && StorageBound.range.contains(range.upperBound))
        }
    }

    /// The bound's reason: PostgreSQL's float8_accum (avg) adds (N·x − Σx)² / (N·(N−1)) per
    /// reading. With the extremes alternating it stays finite for a billion readings.
    @Test func theStorageBoundKeepsASumOfSquaresFinite() {
        var n = 0.0, sx = 0.0, sxx = 0.0
        for i in 0..<1_000_000 {
            let x = i % 2 == 0 ? StorageBound.magnitude : -StorageBound.magnitude
            n += 1
            sx += x
            if n > 1 {
                let tmp = x * n - sx
                sxx += tmp * tmp / (n * (n - 1))
            }
        }
        #expect(sxx.isFinite && sx.isFinite)
        // 2e154 next to 0 is what overflowed it.
        let tmp = 2e154 * 2 - 2e154
        #expect(!(tmp * tmp / 2).isFinite)
        // The worst case the bound allows: N² × (2·1e100)² for 1e50 readings.
        #expect((1e50 * 1e50 * 4e200).isFinite)
    }
}
