import Testing
@testable import IngestCore

@Suite struct SensorValidatorTests {
    static let now = Timestamp(rfc3339: "2026-11-23T08:00:00Z")!

    func reading(device: String = "d1", metric: String = "temp", value: Double = 21.5, ts: Timestamp = now,
                 unit: String? = "C", quality: String? = nil, site: String? = nil, line: String? = nil) -> SensorReading {
        SensorReading(ts: ts, device: device, metric: metric, value: value, unit: unit, quality: quality,
                      site: site, line: line, receivedAt: Self.now)
    }

    func validate(_ r: SensorReading, limits: Limits = Limits()) -> RejectReason? {
        SensorValidator(limits: limits).validate(r, now: Self.now)
    }

    @Test func acceptsAPlainReading() {
        #expect(validate(reading()) == nil)
        #expect(validate(reading(unit: nil)) == nil)
        #expect(validate(reading(value: -1e15)) == nil)
        #expect(validate(reading(value: 1e15)) == nil)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, .signalingNaN])
    func rejectsANonFiniteValue(value: Double) {
        let reason = validate(reading(value: value))
        #expect(reason == .notFinite(field: "value"))
        #expect(reason?.code == "not_finite")
    }

    @Test func rejectsAnEmptyDeviceOrMetric() {
        #expect(validate(reading(device: "")) == .emptyString(field: "device"))
        #expect(validate(reading(metric: "")) == .emptyString(field: "metric"))
    }

    @Test func acceptsEmptyOptionalStrings() {
        #expect(validate(reading(unit: "", quality: "", site: "", line: "")) == nil)
    }

    @Test(arguments: ["device", "metric", "unit", "quality", "site", "line"])
    func rejectsAStringLongerThanTheLimit(field: String) {
        var l = Limits()
        l.maxStringLength = 8
        func with(_ s: String) -> SensorReading {
            var r = reading()
            switch field {
            case "device": r.device = s
            case "metric": r.metric = s
            case "unit": r.unit = s
            case "quality": r.quality = s
            case "site": r.site = s
            default: r.line = s
            }
            return r
        }
        #expect(validate(with("12345678"), limits: l) == nil)
        #expect(validate(with("123456789"), limits: l) == .stringTooLong(field: field, length: 9, limit: 8))
    }

    @Test func rejectsANULCharacterThatPostgreSQLTextCannotStore() {
        #expect(validate(reading(device: "d\u{0}1")) == .nulCharacter(field: "device"))
        #expect(validate(reading(unit: "\u{0}")) == .nulCharacter(field: "unit"))
        #expect(validate(reading(device: "d\u{0}1"))?.code == "nul_character")
    }

    @Test func stringLengthIsCountedInUTF8Bytes() {
        var l = Limits()
        l.maxStringLength = 8
        #expect(validate(reading(device: "éééé"), limits: l) == nil)                 // 8 bytes
        #expect(validate(reading(device: "éééé1"), limits: l) == .stringTooLong(field: "device", length: 9, limit: 8))
        #expect(validate(reading(device: "温度温"), limits: l) == .stringTooLong(field: "device", length: 9, limit: 8))
    }

    @Test func defaultStringLimitIs256Bytes() {
        #expect(validate(reading(device: String(repeating: "x", count: 256))) == nil)
        #expect(validate(reading(device: String(repeating: "x", count: 257)))
            == .stringTooLong(field: "device", length: 257, limit: 256))
    }

    @Test func rejectsATimestampTooFarInTheFutureByDefault900Seconds() {
        let ahead = Timestamp(microseconds: Self.now.microseconds + 900_000_001)
        let reason = validate(reading(ts: ahead))
        #expect(reason == .timestampInFuture(ahead, limitSeconds: 900))
        #expect(reason?.code == "ts_in_future")
        #expect(validate(reading(ts: Self.now + 3600)) == .timestampInFuture(Self.now + 3600, limitSeconds: 900))
    }

    @Test func acceptsATimestampExactlyAtTheFutureLimit() {
        #expect(validate(reading(ts: Self.now + 900)) == nil)
        #expect(validate(reading(ts: Self.now + 899)) == nil)
    }

    @Test func rejectsATimestampOlderThanTheDefaultSevenDays() {
        let old = Timestamp(microseconds: (Self.now - 604_800).microseconds - 1)
        let reason = validate(reading(ts: old))
        #expect(reason == .timestampTooOld(old, limitSeconds: 604_800))
        #expect(reason?.code == "ts_too_old")
        #expect(validate(reading(ts: Timestamp(microseconds: 0))) == .timestampTooOld(Timestamp(microseconds: 0), limitSeconds: 604_800))
    }

    @Test func acceptsATimestampExactlyAtTheAgeLimit() {
        #expect(validate(reading(ts: Self.now - 604_800)) == nil)
    }

    @Test func honoursConfiguredTimeLimits() {
        var l = Limits()
        l.maxFutureSeconds = 0
        l.maxAgeSeconds = 60
        #expect(validate(reading(ts: Self.now), limits: l) == nil)
        #expect(validate(reading(ts: Self.now + 1), limits: l) == .timestampInFuture(Self.now + 1, limitSeconds: 0))
        #expect(validate(reading(ts: Self.now - 60), limits: l) == nil)
        #expect(validate(reading(ts: Self.now - 61), limits: l) == .timestampTooOld(Self.now - 61, limitSeconds: 60))
    }

    @Test func nonFiniteValueIsReportedBeforeOtherProblems() {
        #expect(validate(reading(device: "", value: .nan, ts: Self.now + 100_000)) == .notFinite(field: "value"))
        #expect(validate(reading(device: "", ts: Self.now + 100_000)) == .emptyString(field: "device"))
    }
}
