import Dispatch
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP for the daemon's whole life: its default action would kill the process. Until a
/// handler is set (the services are up) it is logged and ignored; then each one runs the
/// handler — reloading the config — one at a time, off the signal's thread.
final class HangUpSignal: @unchecked Sendable {  // `source` is set once in init and only cancelled in deinit
    private let handler = Mutex<(@Sendable () -> Void)?>(nil)
    private var source: DispatchSourceSignal?

    init(logger: Logger) {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "ingestd-sighup"))
        source.setEventHandler { [weak self] in
            if let run = self?.handler.withLock({ $0 }) {
                run()
            } else {
                logger.notice("SIGHUP ignored: ingestd is still starting")
            }
        }
        source.resume()
        self.source = source
    }

    deinit { source?.cancel() }

    func onSignal(_ run: @escaping @Sendable () -> Void) {
        handler.withLock { $0 = run }
    }
}
