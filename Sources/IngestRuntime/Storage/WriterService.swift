import ServiceLifecycle

/// The database writer as a service: started first, stopped last, after the pipeline has
/// handed over its last batch.
struct WriterService: Service {
    let writer: DatabaseWriter
    /// How long the last batches may wait for an unreachable database once shutdown begins,
    /// unless `writer.stop(by:)` set an earlier deadline (at the stop signal).
    let stopTimeout: Duration

    func run() async throws {
        writer.start()
        try? await gracefulShutdown()
        writer.stop(by: .now + stopTimeout)
        await offThread("ingestd-writer-stop") { [writer] in writer.finish() }
    }
}
