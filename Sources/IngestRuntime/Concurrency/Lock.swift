#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex with a condition variable: the building block of the blocking queues
/// between libmosquitto's thread, the pipeline thread and the writer thread.
final class ConditionLock: @unchecked Sendable {  // a pthread mutex: Synchronization.Mutex has no condition variable to wait on
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// A condition tied to this lock.
    final class Condition: @unchecked Sendable {  // a pthread condition, used only with its owner's mutex held
        private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        private unowned let owner: ConditionLock

        init(_ owner: ConditionLock) {
            self.owner = owner
            var attr = pthread_condattr_t()
            pthread_condattr_init(&attr)
            pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
            pthread_cond_init(cond, &attr)
            pthread_condattr_destroy(&attr)
        }

        deinit {
            pthread_cond_destroy(cond)
            cond.deallocate()
        }

        /// Waits with the lock held; returns false on timeout.
        @discardableResult
        func wait(until deadline: ContinuousClock.Instant? = nil) -> Bool {
            guard let deadline else {
                pthread_cond_wait(cond, owner.mutex)
                return true
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return false }
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let (s, attos) = remaining.components
            var nanos = Int64(now.tv_nsec) + attos / 1_000_000_000
            var secs = Int64(now.tv_sec) + s + nanos / 1_000_000_000
            nanos %= 1_000_000_000
            if secs > Int64(Int32.max) * 2 { secs = Int64(Int32.max) * 2 }
            var ts = timespec(tv_sec: Int(secs), tv_nsec: Int(nanos))
            return pthread_cond_timedwait(cond, owner.mutex, &ts) == 0
        }

        func signal() { pthread_cond_signal(cond) }
        func broadcast() { pthread_cond_broadcast(cond) }
    }
}
