/// A bounded queue between threads. `push` blocks while the queue is full — `capacity`
/// elements, or `maxWeight` in the units of `weight` (e.g. bytes) — (this is how
/// back-pressure reaches the broker: libmosquitto's thread stops reading); `popAll` takes
/// everything queued at once, so a busy consumer pays for one wake-up per burst.
final class BlockingQueue<Element>: @unchecked Sendable {  // all state is guarded by `lock`, a pthread mutex the compiler cannot see
    private let lock = ConditionLock()
    private let notEmpty: ConditionLock.Condition
    private let notFull: ConditionLock.Condition
    private var items: [Element] = []
    private var spare: [Element] = []
    private var closed = false
    private var consumerWaiting = false
    private var producersWaiting = 0
    private var totalWeight = 0
    private let weightOf: (Element) -> Int
    let capacity: Int
    let maxWeight: Int

    init(capacity: Int, maxWeight: Int = .max, weight: @escaping (Element) -> Int = { _ in 0 }) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.maxWeight = maxWeight
        weightOf = weight
        notEmpty = ConditionLock.Condition(lock)
        notFull = ConditionLock.Condition(lock)
        items.reserveCapacity(min(capacity, 65_536))
    }

    enum PushResult { case pushed, closed, timedOut }

    /// Adds an element, waiting while the queue is full. Returns false once closed.
    @discardableResult
    func push(_ element: Element) -> Bool {
        push(element, until: nil) == .pushed
    }

    /// Adds an element, waiting while the queue is full, at most until `deadline`.
    func push(_ element: Element, until deadline: ContinuousClock.Instant?) -> PushResult {
        lock.lock()
        defer { lock.unlock() }
        let w = weightOf(element)
        // An element heavier than the bound on its own still goes in, alone.
        func full() -> Bool { !closed && (items.count >= capacity || (!items.isEmpty && totalWeight + w > maxWeight)) }
        while full() {
            producersWaiting += 1
            let signalled = notFull.wait(until: deadline)
            producersWaiting -= 1
            if !signalled && full() { return .timedOut }
        }
        if closed { return .closed }
        items.append(element)
        totalWeight += w
        if consumerWaiting { notEmpty.signal() }
        return .pushed
    }

    /// Waits until something is queued or `deadline` passes, then takes everything.
    /// Returns [] on timeout and nil once the queue is closed and empty.
    func popAll(until deadline: ContinuousClock.Instant?) -> [Element]? {
        lock.lock()
        defer { lock.unlock() }
        while items.isEmpty {
            if closed { return nil }
            consumerWaiting = true
            let signalled = notEmpty.wait(until: deadline)
            consumerWaiting = false
            if !signalled && items.isEmpty { return closed ? nil : [] }
        }
        swap(&items, &spare)
        items.removeAll(keepingCapacity: true)
        totalWeight = 0
        if producersWaiting > 0 { notFull.broadcast() }
        let out = spare
        spare = []
        return out
    }

    /// After close, `push` returns false and `popAll` drains what is left, then returns nil.
    func close() {
        lock.withLock {
            closed = true
            notEmpty.broadcast()
            notFull.broadcast()
        }
    }

    var count: Int { lock.withLock { items.count } }
    var weight: Int { lock.withLock { totalWeight } }
}
