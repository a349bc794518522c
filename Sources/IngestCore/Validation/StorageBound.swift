/// The largest magnitude a measure that the rollups aggregate may have, whatever the config
/// says: the raw tables hold every such value within ±`magnitude` (migration 15's CHECK), and
/// the loader refuses a configured range that reaches past it.
///
/// Why 1e100: PostgreSQL's `avg(float8)` keeps a running sum of squares of the deviations,
/// at most N² × (2 × 1e100)² = 4e200 × N², finite (below 1.8e308) for up to 10^50 readings
/// in one bucket, and so are the sums the hour is made of. Readings 0 and 2e154 in one
/// minute overflowed it.
public enum StorageBound {
    public static let magnitude = 1e100
    /// The values a range may span: -1e100 to 1e100.
    public static let range: ClosedRange<Double> = -magnitude...magnitude
    /// The bound as an error names it.
    static let text = "-1e100 to 1e100 (beyond, a rollup's sum of squares could overflow)"
}
