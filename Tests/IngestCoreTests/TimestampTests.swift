import Testing
@testable import IngestCore

@Suite struct TimestampTests {
    /// 2026-11-23T08:15:30Z in seconds since the epoch.
    static let reference: Int64 = 1_795_421_730

    func micros(_ text: String) -> Int64? { Timestamp(rfc3339: text)?.microseconds }

    // MARK: RFC 3339

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2000-01-01T00:00:00Z", Int64(946_684_800)),
        ("2024-02-29T12:00:00Z", Int64(1_709_208_000)),
        ("2026-11-23T08:15:30Z", reference),
        ("2023-11-14T22:13:20Z", Int64(1_700_000_000)),
        ("1969-12-31T23:59:59Z", Int64(-1)),
    ])
    func parsesUTCWithZ(text: String, seconds: Int64) {
        #expect(micros(text) == seconds * 1_000_000)
    }

    @Test(arguments: [
        "2026-11-23T08:15:30Z",
        "2026-11-23T08:15:30z",
        "2026-11-23t08:15:30Z",
        "2026-11-23 08:15:30Z",
        "2026-11-23T08:15:30+00:00",
        "2026-11-23T08:15:30-00:00",
        "2026-11-23T09:15:30+01:00",
        "2026-11-23T03:15:30-05:00",
        "2026-11-23T13:45:30+05:30",
        "2026-11-22T23:15:30-09:00",
        "2026-11-24T07:15:30+23:00",
    ])
    func offsetsShiftToTheSameInstant(text: String) {
        #expect(micros(text) == Self.reference * 1_000_000)
    }

    @Test(arguments: [
        (".123", Int64(123_000)),
        (".5", Int64(500_000)),
        (".000001", Int64(1)),
        (".123456", Int64(123_456)),
        (".123456789", Int64(123_456)),
        (".9999999", Int64(999_999)),
        (".000000999", Int64(0)),
    ])
    func fractionsAreCutToMicroseconds(fraction: String, extra: Int64) {
        #expect(micros("2026-11-23T08:15:30\(fraction)Z") == Self.reference * 1_000_000 + extra)
        #expect(micros("2026-11-23T09:15:30\(fraction)+01:00") == Self.reference * 1_000_000 + extra)
    }

    @Test func leapSecondIsReadAsTheSecondBefore() {
        #expect(micros("2016-12-31T23:59:60Z") == micros("2016-12-31T23:59:59Z"))
    }

    @Test(arguments: [
        "2026-02-30T00:00:00Z",   // Feb 30
        "2026-02-29T00:00:00Z",   // not a leap year
        "1900-02-29T00:00:00Z",   // century, not a leap year
        "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z",   // month 13
        "2026-00-10T00:00:00Z",
        "2026-01-00T00:00:00Z",
        "2026-01-32T00:00:00Z",
        "2026-11-23T24:00:00Z",
        "2026-11-23T12:60:00Z",
        "2026-11-23T12:00:61Z",
        "2026-11-23T08:15:30+24:00",
        "2026-11-23T08:15:30+01:60",
    ])
    func rejectsInvalidDatesAndTimes(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func acceptsLeapDays() {
        #expect(Timestamp(rfc3339: "2024-02-29T00:00:00Z") != nil)
        #expect(Timestamp(rfc3339: "2000-02-29T00:00:00Z") != nil)
    }

    @Test(arguments: [
        "", "yesterday", "2026-11-23", "2026-11-23T08:15:30", "2026-11-23T08:15Z",
        "2026-11-23T08:15:30.Z", "2026-11-23T08:15:30Z ", " 2026-11-23T08:15:30Z",
        "2026-11-23T08:15:30+0100", "2026-11-23T08:15:30+01", "2026-1-23T08:15:30Z",
        "26-11-23T08:15:30Z", "2026/11/23T08:15:30Z", "2026-11-23_08:15:30Z",
        "2026-11-23T08:15:30ZZ", "2026-11-23T08:15:30.123.456Z", "1795421730",
        "2026-11-23T08:15:30+01:00Z", "２０２６-11-23T08:15:30Z",
    ])
    func rejectsGarbage(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    // MARK: Epoch numbers

    @Test(arguments: [
        (1_700_000_000.0, Int64(1_700_000_000_000_000)),            // seconds
        (1_700_000_000.25, Int64(1_700_000_000_250_000)),           // seconds with a fraction
        (1_700_000_000_123.0, Int64(1_700_000_000_123_000)),        // milliseconds
        (1_700_000_000_123_456.0, Int64(1_700_000_000_123_456)),    // microseconds
        (0.0, Int64(0)),
        (99_999_999_999.0, Int64(99_999_999_999_000_000)),          // the last seconds value (year 5138)
        (100_000_000_000.0, Int64(100_000_000_000_000)),            // the first milliseconds value (1973)
        (99_999_999_999_998.0, Int64(99_999_999_999_998_000)),      // near the last milliseconds value
        (100_000_000_000_000.0, Int64(100_000_000_000_000)),        // the first microseconds value
    ])
    func epochNumbersAreReadBySize(value: Double, expected: Int64) {
        #expect(Timestamp(epoch: value)?.microseconds == expected)
    }

    @Test func epochNanosecondsAreReadAsNanoseconds() throws {
        let t = try #require(Timestamp(epoch: 1.700_000_000_123_456_8e18))
        #expect(t.microseconds / 1_000 == 1_700_000_000_123)
    }

    @Test func theSameInstantInSecondsMillisecondsAndMicrosecondsAgrees() {
        let s = Timestamp(epoch: 1_795_421_730)
        #expect(s != nil)
        #expect(Timestamp(epoch: 1_795_421_730_000) == s)
        #expect(Timestamp(epoch: 1_795_421_730_000_000) == s)
        #expect(s == Timestamp(rfc3339: "2026-11-23T08:15:30Z"))
    }

    @Test(arguments: [-1.0, -1_700_000_000, .nan, .infinity, -.infinity, 1e25])
    func rejectsNegativeNonFiniteAndHugeEpochs(value: Double) {
        #expect(Timestamp(epoch: value) == nil)
    }

    // MARK: Description

    @Test func describesAsRFC3339InUTCWithMicroseconds() {
        #expect(Timestamp(microseconds: 0).description == "1970-01-01T00:00:00.000000Z")
        #expect(Timestamp(microseconds: Self.reference * 1_000_000 + 123_456).description == "2026-11-23T08:15:30.123456Z")
        #expect(Timestamp(microseconds: -1).description == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp(microseconds: 951_782_400_000_000).description == "2000-02-29T00:00:00.000000Z")
    }

    @Test(arguments: [
        ("2026-11-23T09:15:30.5+01:00", "2026-11-23T08:15:30.500000Z"),
        ("2026-11-23 08:15:30Z", "2026-11-23T08:15:30.000000Z"),
        ("2024-02-29T23:59:59.999999Z", "2024-02-29T23:59:59.999999Z"),
        ("2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00.000000Z"),
        ("1969-07-20T20:17:40Z", "1969-07-20T20:17:40.000000Z"),
        ("1600-03-01T00:00:00Z", "1600-03-01T00:00:00.000000Z"),
        ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"),
    ])
    func descriptionIsTheNormalizedRFC3339Form(input: String, expected: String) throws {
        let t = try #require(Timestamp(rfc3339: input))
        #expect(t.description == expected)
        #expect(Timestamp(rfc3339: t.description) == t)
    }

    @Test(arguments: [Int64(0), 1, -1, 999_999, -1_000_000, -1_000_001, 1_795_421_730_123_456, -12_345_678_901_234,
                      253_402_300_799_999_999])
    func descriptionRoundTrips(microseconds: Int64) {
        let t = Timestamp(microseconds: microseconds)
        #expect(Timestamp(rfc3339: t.description) == t, "\(t.description)")
    }

    // MARK: Arithmetic

    @Test func addsAndSubtractsWholeSecondsAndOrders() {
        let t = Timestamp(microseconds: 5_000_000)
        #expect((t + 3).microseconds == 8_000_000)
        #expect((t - 7).microseconds == -2_000_000)
        #expect(t - 1 < t)
        #expect(Timestamp(seconds: 1.5).microseconds == 1_500_000)
    }
}
