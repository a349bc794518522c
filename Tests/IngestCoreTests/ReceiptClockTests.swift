import Testing
@testable import IngestCore

@Suite struct ReceiptClockTests {
    @Test func numbersMessagesFromOne() {
        var clock = ReceiptClock()
        #expect(clock.stamp(wall: Fixture.t0).sequence == 1)
        #expect(clock.stamp(wall: Fixture.t0).sequence == 2)
        #expect(clock.stamp(wall: Fixture.t0 - 100).sequence == 3)
    }

    @Test func followsTheWallClockForward() {
        var clock = ReceiptClock()
        #expect(clock.stamp(wall: Fixture.t0).receivedAt == Fixture.t0)
        #expect(clock.stamp(wall: Fixture.t0 + 1).receivedAt == Fixture.t0 + 1)
        #expect(clock.stamp(wall: Fixture.t0 + 60).receivedAt == Fixture.t0 + 60)
    }

    /// The wall clock stepped back (NTP, a VM resumed): receipt times hold still until it
    /// catches up, so "later received wins" follows arrival order.
    @Test func neverGoesBackwardsWhenTheWallClockDoes() {
        var clock = ReceiptClock()
        _ = clock.stamp(wall: Fixture.t0 + 10)
        #expect(clock.stamp(wall: Fixture.t0).receivedAt == Fixture.t0 + 10)
        #expect(clock.stamp(wall: Fixture.t0 + 5).receivedAt == Fixture.t0 + 10)
        #expect(clock.stamp(wall: Fixture.t0 + 11).receivedAt == Fixture.t0 + 11)
    }

    @Test func stampsAreOrderedOverAnyWallClock() {
        var clock = ReceiptClock()
        var rng = SplitMix64(seed: 7)
        var last: (receivedAt: Timestamp, sequence: UInt64)?
        for _ in 0..<1_000 {
            let wall = Fixture.t0 + Int64.random(in: -3_600...3_600, using: &rng)
            let stamp = clock.stamp(wall: wall)
            if let last {
                #expect(stamp.receivedAt >= last.receivedAt)
                #expect(stamp.sequence == last.sequence + 1)
            }
            last = stamp
        }
    }
}
