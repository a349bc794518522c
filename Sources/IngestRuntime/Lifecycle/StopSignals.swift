import Dispatch
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM and SIGINT for the daemon's whole life, installed before anything else: a stop
/// asked for during the migrations ends their retries, and one that arrives before the
/// service group runs (READY=1 is already sent then) is remembered and handed to the group,
/// instead of falling into the gap between two sets of handlers, where it was ignored.
final class StopSignals: @unchecked Sendable {  // `sources` is set once in init and only read in deinit
    private let state = Mutex<(requested: Bool, group: ServiceGroup?, actions: [@Sendable () -> Void])>((false, nil, []))
    private let requested = DispatchSemaphore(value: 0)
    private var sources: [DispatchSourceSignal] = []

    init() {
        sources = [SIGTERM, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.stopRequested() }
            source.resume()
            return source
        }
    }

    deinit { sources.forEach { $0.cancel() } }

    /// Waits until a stop is asked for or `deadline` passes; true when asked.
    func wait(until deadline: DispatchTime) -> Bool {
        if state.withLock({ $0.requested }) { return true }
        return requested.wait(timeout: deadline) == .success
    }

    /// Runs `action` the moment a stop is asked for (at once if it was already): e.g. to start
    /// the clock of the stop deadline when the signal arrives, not when the services get to it.
    func whenRequested(_ action: @escaping @Sendable () -> Void) {
        let already = state.withLock { s in
            s.actions.append(action)
            return s.requested
        }
        if already { action() }
    }

    /// From now on a stop shuts `group` down gracefully; a stop asked for already does so now.
    func attach(_ group: ServiceGroup) {
        let already = state.withLock { s in
            s.group = group
            return s.requested
        }
        if already { Task { await group.triggerGracefulShutdown() } }
    }

    private func stopRequested() {
        let (group, actions) = state.withLock { s in
            defer { s.requested = true }
            return (s.group, s.requested ? [] : s.actions)
        }
        for action in actions { action() }
        requested.signal()
        if let group { Task { await group.triggerGracefulShutdown() } }
    }
}
