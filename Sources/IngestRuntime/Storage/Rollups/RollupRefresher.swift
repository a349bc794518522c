import IngestCore
import Logging
import PostgresClient

/// On native partitions, keeps the rollup tables up to date and applies `storage.retention`;
/// on TimescaleDB it has nothing to do (the migrator's policies do both) and its thread ends
/// once it has read the layout.
///
/// Every `storage.rollup_refresh` it calls `ingestd_refresh_rollups` until nothing is
/// pending (a bounded number of minutes per call, each call one transaction), and once an
/// hour it drops the daily partitions past the retention: never one that the writer's
/// `ingestd_ensure_partitions` would make again for late data. A failure (database down,
/// no schema yet) is logged and retried with backoff on a new connection.
///
/// - Important: owns one connection, used only on its own thread. `start()` once; `stop()`
///   from any thread wakes the loop and returns when the thread has ended (a refresh call
///   under way finishes first).
public final class RollupRefresher: @unchecked Sendable {  // `connection` and the schedule are touched only by its thread
    private let config: IngestConfig
    private let logger: Logger
    private let stats: RuntimeStats?
    private let lock = ConditionLock()
    private let wake: ConditionLock.Condition
    private var stopping = false  // under `lock`
    private var thread: WorkerThread?

    private var connection: PostgresConnection?
    private var nextRetention = ContinuousClock.now
    /// The newest `rollup_failures` row logged (migration 15).
    private var lastFailureLogged: Int64 = 0
    /// Minutes the refresh set aside, as this refresher saw them (its thread only).
    private(set) var setAsideMinutes = 0
    /// Called once, with the first connection made; then nil.
    private var onFirstConnection: ((PostgresConnection) -> Void)?

    /// Pending rows one refresh call takes at most.
    static let rowsPerCall = 10_000

    /// - Parameter onFirstConnection: called once on the refresher's thread with its first
    ///   connection, before it reads the layout (the daemon looks at its role there).
    /// - Parameter stats: counts the minutes the refresh sets aside (`/metrics`).
    public init(config: IngestConfig, logger: Logger = Logger(label: "ingestd.rollups"), stats: RuntimeStats? = nil,
                onFirstConnection: ((PostgresConnection) -> Void)? = nil) {
        self.config = config
        self.logger = logger
        self.stats = stats
        self.onFirstConnection = onFirstConnection
        wake = ConditionLock.Condition(lock)
    }

    public func start() {
        thread = WorkerThread(name: "ingestd-rollups") { [self] in run() }
    }

    /// Ends the loop and waits for its thread.
    public func stop() {
        lock.withLock {
            stopping = true
            wake.broadcast()
        }
        thread?.join()
        thread = nil
    }

    /// Waits `delay` or until stopped; true when stopped.
    private func pause(_ delay: Duration) -> Bool {
        let deadline = ContinuousClock.now + delay
        return lock.withLock {
            while !stopping && wake.wait(until: deadline) {}
            return stopping
        }
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func run() {
        var delay = config.writer.retryMin
        var failures = 0
        while !isStopping {
            do {
                guard try connected() else {
                    logger.info("rollups: continuous aggregates and policies on TimescaleDB; the refresher is not needed")
                    break
                }
                try catchUp()
                if config.storage.retention != nil, ContinuousClock.now >= nextRetention { try dropOldPartitions() }
                if failures > 0 { logger.notice("rollup refresh succeeded after \(failures) failed attempts") }
                failures = 0
                delay = config.writer.retryMin
                if pause(config.storage.rollupRefresh) { break }
            } catch {
                failures += 1
                connection = nil
                logger.warning("rollup refresh failed, retrying in \(delay): \(error)")
                if pause(delay) { break }
                delay = min(delay * 2, config.writer.retryMax)
            }
        }
        connection = nil
        logger.info("rollup refresher stopped")
    }

    /// Connects if needed; false on TimescaleDB.
    private func connected() throws -> Bool {
        if let connection, connection.isHealthy { return true }
        let c = try DatabaseLogin.daemon(config.database).connect()
        try c.execute("SET application_name = 'ingestd rollups'; SET client_min_messages = warning")
        onFirstConnection?(c)
        onFirstConnection = nil
        guard try StorageLayout.recorded(on: c) == .partitions else { return false }
        connection = c
        return true
    }

    /// Refreshes until nothing is pending, or a stop.
    private func catchUp() throws {
        guard let connection else { return }
        let keepSince: String? = config.storage.retention.map { "pg_catalog.now() - \(StoragePolicies.interval($0))" }
        var total = 0
        while !isStopping {
            let taken = Int(try connection.execute(Self.refreshCall(keepSince: keepSince, rows: Self.rowsPerCall))
                .value(0, 0) ?? "0") ?? 0
            total += taken
            if taken < Self.rowsPerCall { break }
        }
        if total > 0 { logger.debug("rollups refreshed", metadata: ["pending_rows": "\(total)"]) }
        try logSetAside(on: connection)
    }

    /// Logs the minutes the refresh set aside since the last look (`rollup_failures`, migration
    /// 15: a minute that cannot be rolled up no longer stays pending, so the others go on).
    /// Those set aside before this process started are counted once, at its first look.
    private func logSetAside(on connection: PostgresConnection) throws {
        guard try connection.execute("SELECT to_regclass('rollup_failures') IS NOT NULL").value(0, 0) == "t" else { return }
        let result = try connection.execute("""
            SELECT count(*), max(id), (array_agg(family || ' ' || bucket::text || ': ' || error ORDER BY id DESC))[1]
            FROM rollup_failures WHERE id > \(lastFailureLogged)
            """)
        let count = Int(result.value(0, 0) ?? "0") ?? 0
        guard count > 0, let newest = result.value(0, 1).flatMap({ Int64($0) }) else { return }
        logger.warning("rollups: \(count) minutes could not be rolled up and were set aside (table rollup_failures); the newest: \(result.value(0, 2) ?? "")")
        setAsideMinutes += count
        stats?.rollupMinutesSetAside(count)
        lastFailureLogged = newest
    }

    /// Drops the daily partitions that end before both the retention horizon and the oldest
    /// day the writer keeps partitions for (else it would make them again, empty).
    private func dropOldPartitions() throws {
        guard let connection, let retention = config.storage.retention else { return }
        let floor = Duration.seconds(86_400 * Int64(Self.partitionDaysBack(config.limits) + 1))
        let dropped = try connection.execute(Self.dropCall(before: "pg_catalog.now() - \(StoragePolicies.interval(max(retention, floor)))"))
            .value(0, 0) ?? "0"
        if dropped != "0" { logger.notice("retention: dropped \(dropped) daily partitions older than \(retention)") }
        nextRetention = .now + .seconds(3600)
    }

    /// The calls, by their schema and with typed arguments: where `public` is writable, an
    /// overload someone made there (`ingestd_refresh_rollups(text, int)`, a better match for
    /// NULL) is never the one called.
    static func refreshCall(keepSince: String?, rows: Int) -> String {
        "SELECT public.ingestd_refresh_rollups((\(keepSince ?? "NULL"))::timestamptz, \(rows)::int)"
    }

    static func dropCall(before cutoff: String) -> String {
        "SELECT public.ingestd_drop_partitions_before((\(cutoff))::timestamptz)"
    }

    /// How many days back the writer makes daily partitions: enough for the oldest reading
    /// validation accepts (`validation.max_age`), and one more.
    static func partitionDaysBack(_ limits: Limits) -> Int {
        Int((limits.maxAgeSeconds + 86_399) / 86_400) + 1
    }
}
