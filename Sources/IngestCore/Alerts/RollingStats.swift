/// Mean and standard deviation of the values of the last `window` of reading time, kept as
/// a ring of samples with running sums (shifted by the first value, which keeps the sums of
/// squares exact enough for values far from zero). At most `capacity` samples: beyond it the
/// oldest go first, so a series publishing very fast costs bounded memory.
struct RollingStats: Sendable {
    let window: Int64
    let capacity: Int
    private var times: [Int64] = []
    private var values: [Double] = []
    private var head = 0
    private var shift: Double?
    private var sum = 0.0
    private var sumOfSquares = 0.0

    init(window: Duration, capacity: Int = 4_096) {
        self.window = window.wholeMicroseconds
        self.capacity = capacity
    }

    var count: Int { times.count - head }

    var mean: Double { (shift ?? 0) + sum / Double(count) }

    /// The sample standard deviation; 0 with fewer than two samples.
    var standardDeviation: Double {
        let n = Double(count)
        guard n > 1 else { return 0 }
        let variance = (sumOfSquares - sum * sum / n) / (n - 1)
        return variance > 0 ? variance.squareRoot() : 0
    }

    /// Drops the samples older than `window` before `time`.
    mutating func prune(before time: Timestamp) {
        let horizon = time.microseconds - window
        while head < times.count && times[head] < horizon { removeOldest() }
    }

    mutating func add(_ value: Double, at time: Timestamp) {
        guard value.isFinite else { return }
        if count >= capacity { removeOldest() }
        let k = shift ?? value
        shift = k
        times.append(time.microseconds)
        values.append(value)
        sum += value - k
        sumOfSquares += (value - k) * (value - k)
    }

    private mutating func removeOldest() {
        let d = values[head] - (shift ?? 0)
        sum -= d
        sumOfSquares -= d * d
        head += 1
        if head == times.count {
            times.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            head = 0
            sum = 0
            sumOfSquares = 0
        } else if head >= 1_024 && head * 2 >= times.count {
            times.removeFirst(head)
            values.removeFirst(head)
            head = 0
        }
    }
}
