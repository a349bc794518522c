import IngestCore
import Synchronization

/// Counters shared by the pipeline and writer threads, read by the progress reporter, the
/// status message and tests. Every update is a few additions under one mutex.
public final class RuntimeStats: Sendable {
    /// A point-in-time copy of every counter.
    public struct Snapshot: Sendable, Equatable {
        public var fates = FateCounters()
        public var rowsCommitted = 0
        public var deadLettersCommitted = 0
        public var batchesCommitted = 0
        public var commitMicros: Int64 = 0
        public var writeFailures = 0
        /// Readings later than a window's grace: stored, not in that window's summary.
        public var lateReadings = 0
        /// Alert changes the database took as news and that were published.
        public var alertsRaised = 0
        public var alertsCleared = 0
        public var windowsPublished = 0
        /// Minutes the rollup refresh could not roll up and set aside (native partitions, `rollup_failures`).
        public var rollupMinutesSetAside = 0
        /// Alerts raised and cleared per rule and severity (the metrics' labels).
        public var alertsRaisedByRule: [AlertLabels: Int] = [:]
        public var alertsClearedByRule: [AlertLabels: Int] = [:]
        /// Alerts open when this run started (rebuilt from the database).
        public var alertsOpenAtStart = 0
        /// Connections the broker accepted, attempts that failed, connections lost.
        public var mqttConnects = 0
        public var mqttConnectFailures = 0
        public var mqttConnectionsLost = 0
        /// Connections the writer opened (the first, and one after every failure).
        public var databaseConnects = 0
        /// Damaged journal records (byte ranges) found at start-up, set aside and skipped.
        public var journalDamagedRecords = 0
        public var journalDamagedBytes = 0
        /// Series the analytics follow (`analytics.max_series…`), and readings they left out,
        /// by the bound their series hit ("per_device", "total"); those readings are stored.
        public var seriesTracked = 0
        public var seriesRefused: [String: Int] = [:]
        /// Outgoing MQTT messages waiting for the broker, and those dropped past
        /// `mqtt.max_outgoing_queue`, by kind ("agg", "alerts", "state", "deadletter", "status").
        public var outgoingWaiting = 0
        public var outgoingDropped: [String: Int] = [:]

        /// Alerts open now: those open at the start, plus raised, minus cleared.
        public var alertsOpen: Int { max(0, alertsOpenAtStart + alertsRaised - alertsCleared) }

        /// The alert and window counters, for the status message.
        var analyticsCounts: [String: Int] {
            ["alerts_raised": alertsRaised, "alerts_cleared": alertsCleared, "windows_published": windowsPublished, "late_readings": lateReadings,
             "series_tracked": seriesTracked, "series_refused": seriesRefused.values.reduce(0, +),
             "outgoing_dropped": outgoingDropped.values.reduce(0, +)]
        }
    }

    /// The labels of the alert counters.
    public struct AlertLabels: Hashable, Sendable {
        public var rule: String
        public var severity: String
    }

    private let state = Mutex(Snapshot())

    public init() {}

    func add(_ delta: FateCounters) {
        state.withLock { $0.fates.add(delta) }
    }

    func committed(rows: Int, deadLetters: Int, micros: Int64) {
        state.withLock {
            $0.rowsCommitted += rows
            $0.deadLettersCommitted += deadLetters
            $0.batchesCommitted += 1
            $0.commitMicros += micros
        }
    }

    func journalDamaged(records: Int, bytes: Int) {
        state.withLock {
            $0.journalDamagedRecords += records
            $0.journalDamagedBytes += bytes
        }
    }

    func writeFailed() { state.withLock { $0.writeFailures += 1 } }

    func lateReadings(_ n: Int) { state.withLock { $0.lateReadings += n } }

    func published(alert event: AlertEvent) {
        let labels = AlertLabels(rule: event.alert.rule, severity: event.alert.severity.rawValue)
        state.withLock {
            if event.isRaise {
                $0.alertsRaised += 1
                $0.alertsRaisedByRule[labels, default: 0] += 1
            } else {
                $0.alertsCleared += 1
                $0.alertsClearedByRule[labels, default: 0] += 1
            }
        }
    }

    func alertsOpen(atStart n: Int) { state.withLock { $0.alertsOpenAtStart = n } }

    func mqttConnected() { state.withLock { $0.mqttConnects += 1 } }
    func mqttConnectFailed() { state.withLock { $0.mqttConnectFailures += 1 } }
    func mqttConnectionLost() { state.withLock { $0.mqttConnectionsLost += 1 } }
    func databaseConnected() { state.withLock { $0.databaseConnects += 1 } }

    func published(windows n: Int) { state.withLock { $0.windowsPublished += n } }

    func rollupMinutesSetAside(_ n: Int) { state.withLock { $0.rollupMinutesSetAside += n } }
    /// What the analytics' series budget counts now (totals, not increments).
    func series(tracked: Int, refusedPerDevice: Int, refusedTotal: Int) {
        state.withLock {
            $0.seriesTracked = tracked
            $0.seriesRefused = ["per_device": refusedPerDevice, "total": refusedTotal]
        }
    }

    func outgoing(waiting: Int) { state.withLock { $0.outgoingWaiting = waiting } }
    func outgoingDropped(_ kind: String) { state.withLock { $0.outgoingDropped[kind, default: 0] += 1 } }

    public var snapshot: Snapshot { state.withLock { $0 } }
}
