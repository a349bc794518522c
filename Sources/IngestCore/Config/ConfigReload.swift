/// What a reloaded config (SIGHUP) changes: what the running daemon takes over at once —
/// routes, per-family checks and limits, the dedup window, batching, alert rules and
/// windows — and what only a restart
/// applies (connections, storage, the journal, publishing, logging), named so that an
/// operator is told.
public struct ConfigReload: Equatable, Sendable {
    /// Keys taken over live, e.g. "routes", "validation".
    public var live: [String] = []
    /// Keys that changed but take effect only at the next start.
    public var atRestart: [String] = []

    public var isEmpty: Bool { live.isEmpty && atRestart.isEmpty }

    public init(from old: IngestConfig, to new: IngestConfig) {
        func note(_ key: String, _ changed: Bool, live isLive: Bool) {
            guard changed else { return }
            if isLive { live.append(key) } else { atRestart.append(key) }
        }
        note("routes", old.routes != new.routes, live: true)
        note("validation", old.limits != new.limits, live: true)
        note("families", old.families.withLimits(old.limits) != new.families.withLimits(old.limits), live: true)
        note("dedup", old.dedupWindow != new.dedupWindow, live: true)
        note("writer.batch_size", old.writer.batchSize != new.writer.batchSize, live: true)
        note("writer.max_age", old.writer.maxAge != new.writer.maxAge, live: true)
        note("alerts", old.alertRules != new.alertRules, live: true)
        note("aggregates", old.aggregates != new.aggregates, live: true)
        note("analytics", old.analytics != new.analytics, live: true)
        let (a, b) = (old.mqtt, new.mqtt)
        note("mqtt", a.url != b.url || a.clientID != b.clientID || a.cleanSession != b.cleanSession || a.username != b.username
            || a.password != b.password || a.caFile != b.caFile || a.certFile != b.certFile || a.keyFile != b.keyFile || a.keepaliveSeconds != b.keepaliveSeconds
            || a.reconnectMin != b.reconnectMin || a.reconnectMax != b.reconnectMax || a.queueCapacity != b.queueCapacity
            || a.maxOutgoingQueue != b.maxOutgoingQueue
            || a.sharedGroup != b.sharedGroup, live: false)
        note("database", old.database.url != new.database.url || old.database.password != new.database.password
            || old.database.ownerURL != new.database.ownerURL || old.database.ownerPassword != new.database.ownerPassword
            || old.database.migrateOnStart != new.database.migrateOnStart, live: false)
        note("storage", old.storage.engine != new.storage.engine || old.storage.chunkInterval != new.storage.chunkInterval
            || old.storage.partitionsAheadDays != new.storage.partitionsAheadDays
            || old.storage.rollupRefresh != new.storage.rollupRefresh || old.storage.compressAfter != new.storage.compressAfter
            || old.storage.retention != new.storage.retention, live: false)
        note("writer.method", old.writer.method != new.writer.method, live: false)
        note("writer.retry", old.writer.retryMin != new.writer.retryMin || old.writer.retryMax != new.writer.retryMax, live: false)
        let (j, k) = (old.journal, new.journal)
        note("journal", j.enabled != k.enabled || j.directory != k.directory || j.sync != k.sync || j.maxBytes != k.maxBytes
            || j.segmentBytes != k.segmentBytes, live: false)
        note("stop_timeout", old.stopTimeout != new.stopTimeout, live: false)
        note("publish", old.publish.prefix != new.publish.prefix || old.publish.deadLetters != new.publish.deadLetters, live: false)
        note("log", old.logLevel != new.logLevel, live: false)
        note("http", old.http != new.http, live: false)
    }
}

extension FamilySettings {
    /// The same settings with other shared limits: to compare only the per-family part.
    fileprivate func withLimits(_ limits: Limits) -> FamilySettings {
        var copy = self
        copy.limits = limits
        return copy
    }
}
