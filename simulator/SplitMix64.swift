/// A small, fast, seedable random number generator, shared by every family's plan.
/// Each family draws from its own stream, so adding a family to a run leaves the others'
/// messages as they were.
struct SplitMix64 {
    private var state: UInt64

    /// The generator the sensor plan has always used: `seed` itself is the state.
    init(seed: UInt64) { state = seed }

    /// An independent stream of `seed`; stream 0 is `init(seed:)`.
    init(seed: UInt64, stream: UInt64) {
        guard stream != 0 else { state = seed; return }
        // Offsetting the state by multiples of the increment would only shift one sequence;
        // scrambling the seed with the stream number starts another one.
        var scrambler = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        state = scrambler.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Uniform in `0..<bound` (`bound` > 0); the same draw as `next() % bound`.
    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// Uniform in `range`.
    mutating func next(in range: ClosedRange<Int>) -> Int { range.lowerBound + next(below: range.count) }

    /// Uniform in `range`, rounded to `decimals` places.
    mutating func next(in range: ClosedRange<Double>, decimals: Int = 2) -> Double {
        Self.rounded(range.lowerBound + nextDouble() * (range.upperBound - range.lowerBound), decimals: decimals)
    }

    /// `value` rounded to `decimals` places, the way the payloads print it.
    static func rounded(_ value: Double, decimals: Int) -> Double {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        return (value * scale).rounded() / scale
    }
}
