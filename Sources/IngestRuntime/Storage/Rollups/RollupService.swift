import ServiceLifecycle

/// The rollup refresher as a service: started with the others, stopped at shutdown.
struct RollupService: Service {
    let refresher: RollupRefresher

    func run() async throws {
        refresher.start()
        try? await gracefulShutdown()
        await offThread("ingestd-rollups-stop") { [refresher] in refresher.stop() }
    }
}
