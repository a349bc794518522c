#if canImport(Glibc)
import Glibc
#endif

/// A dedicated OS thread, for work that blocks (libpq) or that must not share Swift's
/// cooperative pool. `join()` waits for its body to return.
final class WorkerThread: @unchecked Sendable {  // `thread` is written once in init, before the handle is shared
    private var thread = pthread_t()
    private let name: String

    private final class Box {
        let body: () -> Void
        let name: String
        init(_ body: @escaping () -> Void, name: String) { self.body = body; self.name = name }
    }

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        self.name = name
        let box = Unmanaged.passRetained(Box(body, name: name)).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed for \(name): \(rc)")
    }

    func join() {
        pthread_join(thread, nil)
    }
}
