/// Runs blocking work (a thread join, a libpq or libmosquitto call) on a thread of its own
/// and awaits it, so that the cooperative pool is never blocked.
func offThread(_ name: String, _ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        _ = WorkerThread(name: name) {
            body()
            done.resume()
        }
    }
}
