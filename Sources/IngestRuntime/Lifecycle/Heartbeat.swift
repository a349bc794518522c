import IngestCore
import Synchronization

/// The liveness of ingestd's long-running workers, for systemd's watchdog: each named worker
/// ("pipeline", "writer") beats, and whoever feeds the watchdog sends `WATCHDOG=1` only while
/// `stalled(olderThan:)` is empty. A worker stuck in a call that never returns then stops the
/// pings, and systemd restarts the service (`WatchdogSec=`); the journal keeps what it held.
///
/// A beat is one clock read and one atomic update, cheap enough for every loop turn:
///
///     let heartbeat = Heartbeat(workers: ["pipeline", "writer"])
///     let beat = heartbeat.worker("pipeline")       // once, before the loop
///     while running { beat.beat(); ... }            // at least once a second
///     // the reporter, every watchdog interval / 2:
///     if heartbeat.stalled(olderThan: interval / 2).isEmpty { notifier.notifyWatchdog() }
///
/// - Important: every worker must beat at least once a second, also while it has nothing to
///   do: the pipeline while it waits on an empty inbox, the writer while it waits for a batch
///   or sleeps in its retry backoff. Wait in slices of at most a second, beating between
///   them. A call that may block longer (a database round trip, a connect) is what the
///   watchdog is there to catch; bound it, or beat from the code that waits on it.
///   All methods are thread-safe; the set of workers is fixed at `init`.
public final class Heartbeat: Sendable {
    /// A worker's handle: keep it and call `beat()` from the worker's own loop.
    public struct Worker: Sendable {
        /// The name given at `Heartbeat.init`, reported by `stalled(olderThan:)`.
        public var name: String { slot.name }
        fileprivate let slot: Slot
        fileprivate let origin: ContinuousClock.Instant

        /// Records that the worker is alive at `now`. A beat never moves the time back.
        public func beat(now: ContinuousClock.Instant = .now) {
            slot.micros.max(origin.duration(to: now).wholeMicroseconds, ordering: .relaxed)
        }
    }

    fileprivate final class Slot: Sendable {
        let name: String
        /// Microseconds from the heartbeat's origin to the last beat.
        let micros: Atomic<Int64>

        init(name: String, micros: Int64) {
            self.name = name
            self.micros = Atomic(micros)
        }
    }

    private let origin: ContinuousClock.Instant
    private let slots: [Slot]

    /// Workers with these names, each counted as having beaten at `now`, so that a worker
    /// still starting up is not taken for a stalled one.
    public init(workers names: [String], now: ContinuousClock.Instant = .now) {
        precondition(Set(names).count == names.count, "Heartbeat: worker names must be distinct: \(names)")
        origin = now
        slots = names.map { Slot(name: $0, micros: 0) }
    }

    /// The worker names, in the order given at `init`.
    public var workers: [String] { slots.map(\.name) }

    /// The handle of the worker named `name`, which must be one given at `init`.
    public func worker(_ name: String) -> Worker {
        guard let slot = slots.first(where: { $0.name == name }) else {
            preconditionFailure("Heartbeat: no worker named '\(name)'; known: \(workers.joined(separator: ", "))")
        }
        return Worker(slot: slot, origin: origin)
    }

    /// Records that the worker named `name` is alive. In a hot loop, keep `worker(name)` instead.
    public func beat(_ name: String, now: ContinuousClock.Instant = .now) {
        worker(name).beat(now: now)
    }

    /// How long ago the worker named `name` last beat (zero if its last beat is after `now`).
    public func sinceLastBeat(_ name: String, now: ContinuousClock.Instant = .now) -> Duration {
        let last = worker(name).slot.micros.load(ordering: .relaxed)
        return max(.zero, origin.duration(to: now) - .microseconds(last))
    }

    /// The workers whose last beat is more than `limit` before `now`, in `init` order; empty
    /// when every worker is alive.
    public func stalled(olderThan limit: Duration, now: ContinuousClock.Instant = .now) -> [String] {
        let nowMicros = origin.duration(to: now).wholeMicroseconds
        let limitMicros = limit.wholeMicroseconds
        return slots.filter { nowMicros - $0.micros.load(ordering: .relaxed) > limitMicros }.map(\.name)
    }
}
