/// The whole configuration of one ingestd instance. Defaults match config/ingestd.yaml.
public struct IngestConfig: Sendable {
    public struct MQTT: Sendable {
        public var url = "mqtt://127.0.0.1:1883"
        public var clientID = "ingestd"
        public var cleanSession = false
        public var username: String?
        public var password: String?
        public var caFile: String?
        /// A client certificate and its key (PEM) for brokers that require one; only with
        /// mqtts://. The broker's certificate is always verified.
        public var certFile: String?
        public var keyFile: String?
        public var keepaliveSeconds = 60
        public var reconnectMin: Duration = .seconds(1)
        public var reconnectMax: Duration = .seconds(30)
        /// Messages held between the MQTT thread and the pipeline when the journal is off;
        /// when full, the broker waits.
        public var queueCapacity = 20_000
        /// `mqtt.max_outgoing_queue`: QoS 1 messages ingestd publishes that may wait for the
        /// broker (sent, not yet acknowledged, or queued while it is away); past it new ones
        /// are dropped and counted, and retained ones (state, open alerts) are sent again,
        /// their latest version, once there is room or the broker is back.
        public var maxOutgoingQueue = 100_000
        /// Subscribe as a member of this shared-subscription group (`$share/{group}/filter`):
        /// instances with distinct client ids then split the load.
        public var sharedGroup: String?
    }

    /// The crash-safe journal: every message is appended before the broker hears its PUBACK.
    public struct Journal: Sendable {
        public enum Sync: Sendable, Equatable {
            /// After every message (slow; survives a power cut losing nothing).
            case always
            /// On this interval: a power cut loses at most this much; a killed process nothing.
            case interval(Duration)
        }

        /// Off: messages wait in memory (`mqtt.queue_capacity`) and a crash loses them.
        public var enabled = true
        public var directory = "/var/lib/ingestd/journal"
        public var sync: Sync = .interval(.seconds(1))
        /// At this size on disk ingestd stops reading from the broker until the database catches up.
        public var maxBytes = 1 << 30
        public var segmentBytes = 8 << 20
    }

    public struct Database: Sendable {
        /// What the daemon connects as: a login in `ingestd_writer`.
        public var url = "postgresql://ingestd@127.0.0.1:5432/ingestd"
        public var password: String?
        /// What migrations (and the storage policies) connect as: the tables' owner. Nil:
        /// `url` does both.
        public var ownerURL: String?
        public var ownerPassword: String?
        public var migrateOnStart = true
    }

    /// The HTTP endpoint: Prometheus metrics, `/healthz` and `/readyz`.
    public struct HTTP: Sendable, Equatable {
        public struct Listen: Sendable, Equatable, CustomStringConvertible {
            public var host: String
            public var port: Int
            public init(host: String, port: Int) {
                self.host = host
                self.port = port
            }
            public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
        }

        /// Nil: no endpoint (`listen: off`).
        public var listen: Listen? = Listen(host: "127.0.0.1", port: 9810)
    }

    public enum StorageEngine: String, Sendable, CaseIterable {
        /// TimescaleDB hypertables when the extension can be created, native partitions otherwise.
        case auto
        case timescaledb
        case partitions
    }

    public enum WriteMethod: String, Sendable, CaseIterable {
        /// Binary COPY into a temporary staging table, then INSERT … SELECT … ON CONFLICT.
        case copy
        /// INSERT … SELECT FROM unnest($1, $2, …) ON CONFLICT with binary array parameters.
        case unnest
    }

    public struct Storage: Sendable {
        public var engine: StorageEngine = .auto
        public var chunkInterval: Duration = .seconds(86_400)
        public var partitionsAheadDays = 3
        /// How often the rollups are brought up to date: the refresh policies' schedule on
        /// TimescaleDB, the rollup refresher's interval on native partitions.
        public var rollupRefresh: Duration = .seconds(30)
        /// Raw chunks older than this are compressed (TimescaleDB only); nil: never.
        public var compressAfter: Duration? = .seconds(7 * 86_400)
        /// Raw data older than this is dropped (the rollups keep their history); nil: kept forever.
        public var retention: Duration?
    }

    public struct Writer: Sendable {
        public var batchSize = 5_000
        public var maxAge: Duration = .milliseconds(200)
        public var method: WriteMethod = .copy
        public var retryMin: Duration = .milliseconds(500)
        public var retryMax: Duration = .seconds(30)
    }

    public struct Publish: Sendable {
        public var prefix = "ingestd/"
        public var deadLetters = true
    }

    public var mqtt = MQTT()
    public var database = Database()
    public var http = HTTP()
    public var storage = Storage()
    public var writer = Writer()
    /// What the families' decoders and validators check; `limits` is shared by all of them.
    public var families = FamilySettings()
    public var limits: Limits {
        get { families.limits }
        set { families.limits = newValue }
    }
    public var dedupWindow = 200_000
    public var publish = Publish()
    public var journal = Journal()
    /// SIGTERM: how long ingestd may take to stop. What the database has not taken by then
    /// stays in the journal for the next start.
    public var stopTimeout: Duration = .seconds(20)
    public var routes: [Route] = IngestConfig.defaultRoutes
    /// `alerts.rules`: none unless configured.
    public var alertRules: [AlertRule] = []
    /// `aggregates:`: windows published on `{prefix}agg/…`.
    public var aggregates = AggregateSettings()
    /// `analytics:`: how many series alerts and windows follow, per device and in all.
    public var analytics = SeriesBounds()
    public var logLevel = "info"

    public init() {}

    /// The routes used when the config names none: one per family, as DESIGN.md lays out the topics.
    public static let defaultRoutes: [Route] = [
        Route(pattern: try! TopicPattern("plant/{site}/{line}/sensor/{device}/{metric}"), family: .sensor, format: .json),
        Route(pattern: try! TopicPattern("plant/{site}/battery/{battery}/telemetry"), family: .battery, format: .json),
        Route(pattern: try! TopicPattern("plant/{site}/{line}/equipment/{equipment}/state"), family: .equipmentState, format: .json),
        Route(pattern: try! TopicPattern("plant/{site}/{line}/machine/{machine}/events"), family: .machineEvent, format: .json),
    ]
}
