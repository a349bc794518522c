import ServiceLifecycle

/// The database writer as a service: started first, stopped last, after the pipeline has
/// handed over its last batch.
struct WriterService: Service {
    let writer: DatabaseWriter
    /// How long the last batches may wait for an unreachable database at shutdown.
    let stopTimeout: Duration

    func run() async throws {
        writer.start()
        try? await gracefulShutdown()
        await offThread("ingestd-writer-stop") { [writer, stopTimeout] in writer.finish(timeout: stopTimeout) }
    }
}
