import ArgumentParser
import Foundation
import IngestCore
import IngestRuntime
import Mosquitto
import Logging

@main
struct Ingestd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingestd",
        abstract: "MQTT-native ingestion of factory and field telemetry into TimescaleDB/PostgreSQL.",
        version: Daemon.version,
        subcommands: [Run.self, Migrate.self, CheckConfig.self, Parse.self, Query.self, BenchWrite.self]
    )
}

/// The `--config` option every subcommand shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The YAML config file (env INGESTD_CONFIG; default /etc/ingestd/ingestd.yaml).")
    var config: String?

    /// Why a broker URL cannot be used, or nil.
    @Sendable static func brokerURLProblem(_ url: String) -> String? {
        do {
            _ = try MQTTURL(parsing: url)
            return nil
        } catch {
            return error.description
        }
    }

    var path: String {
        config ?? ProcessInfo.processInfo.environment["INGESTD_CONFIG"] ?? "/etc/ingestd/ingestd.yaml"
    }

    /// Loads the file; INGESTD_MQTT_URL and INGESTD_DATABASE_URL override the URLs in it. The
    /// database passwords stay in the config: each reaches libpq with its own login
    /// (`DatabaseLogin`), never through PGPASSWORD, which would give the writer's password to
    /// the owner's login too.
    func load() throws -> IngestConfig {
        let environment = ProcessInfo.processInfo.environment
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigFileError(description: "\(path): cannot read the config file (does it exist, and is it readable UTF-8?)")
        }
        let loader = ConfigLoader(
            environment: environment,
            readFile: { file in FileManager.default.contents(atPath: file).flatMap { String(data: $0, encoding: .utf8) } },
            checkBrokerURL: Self.brokerURLProblem)
        var config: IngestConfig
        do {
            config = try loader.load(yaml: text, file: path)
        } catch {
            throw ConfigFileError(error, path: path)
        }
        if let url = environment["INGESTD_MQTT_URL"], !url.isEmpty {
            if let reason = Self.brokerURLProblem(url) {
                throw ConfigFileError(description: "environment variable INGESTD_MQTT_URL: \(reason)")
            }
            config.mqtt.url = url
        }
        if let url = environment["INGESTD_DATABASE_URL"], !url.isEmpty { config.database.url = url }
        return config
    }
}

/// A config problem, printed as it is (file:line: key: message) without the usage text.
struct ConfigFileError: Error, CustomStringConvertible {
    let description: String

    init(description: String) {
        self.description = description
    }

    /// Every problem of a config file, one a line in file order; more than one under a line
    /// that counts them.
    init(_ errors: ConfigErrors, path: String) {
        description = errors.errors.count == 1 ? errors.description : "\(path): \(errors.errors.count) problems\n\(errors.description)"
    }
}

func makeLogger(_ label: String, level: String) -> Logger {
    LoggingSystem.bootstrap { StreamLogHandler.standardOutput(label: $0) }
    var logger = Logger(label: label)
    logger.logLevel = Logger.Level(rawValue: level) ?? .info
    return logger
}

extension Ingestd {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Consume, validate, deduplicate and store until SIGTERM.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.load()
            let logger = makeLogger("ingestd", level: config.logLevel)
            let code: Int32
            do {
                code = try await Daemon(config: config, logger: logger, environment: ProcessInfo.processInfo.environment,
                                        reload: { [options] in try options.load() }).run()
            } catch {
                logger.critical("ingestd cannot run: \(error)")
                throw ExitCode(2)
            }
            if code != 0 { throw ExitCode(code) }
        }
    }

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations and exit.")
        @OptionGroup var options: ConfigOptions

        func run() throws {
            let config = try options.load()
            let logger = makeLogger("ingestd.migrate", level: config.logLevel)
            do {
                let report = try DatabaseSetup.migrate(config: config, logger: logger)
                print("schema at version \(report.current) (\(report.layout == .hypertable ? "TimescaleDB hypertables" : "native daily partitions")); applied now: \(report.applied.isEmpty ? "none" : report.applied.map(String.init).joined(separator: ", "))")
            } catch {
                logger.critical("migration failed: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct CheckConfig: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Check the config file and print what it configures.")
        @OptionGroup var options: ConfigOptions

        func run() throws {
            let config = try options.load()
            print("\(options.path): OK")
            print("  broker:   \(MQTTURL.redacting(config.mqtt.url)) as client '\(config.mqtt.clientID)' (clean session: \(config.mqtt.cleanSession))")
            print("  database: \(DatabaseLogin.redacting(config.database.url)) (storage: \(config.storage.engine.rawValue), write method: \(config.writer.method.rawValue))")
            print("  migrations as: \(config.database.ownerURL.map(DatabaseLogin.redacting) ?? "the same login (database.owner_url unset)")")
            print("  batches:  \(config.writer.batchSize) rows or \(config.writer.maxAge)")
            for route in config.routes {
                print("  route:    \(route.pattern) -> \(route.family.rawValue), \(route.format.rawValue) (subscribes \(route.pattern.subscriptionFilter))")
            }
            let f = config.families
            print("  sensor:   value \(f.sensor.value)")
            print("  battery:  soc \(f.battery.soc), soh \(f.battery.soh), temperature \(f.battery.temperature) °C, voltage \(f.battery.voltage) V, current \(f.battery.current) A")
            print("  equipment state: states \(f.equipmentState.states.joined(separator: "/")); equipment registry: \(f.equipmentState.knownEquipment.map { "\($0.count) known" } ?? "any equipment")")
            print("  machine events: duration up to \(f.machineEvent.maxDurationMs / 1000) s, event_time up to \(f.machineEvent.maxFutureSeconds) s ahead")
            for rule in config.alertRules { print("  alert:    \(rule.summary)") }
            let a = config.aggregates
            print("  windows:  " + (a.enabled ? "\(a.windows.map { "\($0)" }.joined(separator: ", ")) after \(a.grace) grace, for \(a.families.map(\.rawValue).sorted().joined(separator: ", "))" : "off"))
        }
    }

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what a message becomes, using the config's routes and limits. Writes nothing.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The topic the message arrived on.") var topic: String
        @Option(help: "The payload, as text.") var payload: String

        func run() throws {
            let config = FileManager.default.fileExists(atPath: options.path) ? try options.load() : IngestConfig()
            let now = Timestamp.now()
            let processor = MessageProcessor(routes: config.routes, settings: config.families)
            let result = processor.process(InboundMessage(topic: topic, payload: Array(payload.utf8), receivedAt: now), now: now)
            if let route = processor.router.route(topic) {
                print("route: \(route.route.pattern) -> \(route.route.family.rawValue) \(route.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
            }
            for r in result.readings {
                var line = "reading: device=\(r.device) metric=\(r.metric) ts=\(r.ts) value=\(r.value)"
                if let u = r.unit { line += " unit=\(u)" }
                if let q = r.quality { line += " quality=\(q)" }
                if let s = r.seq { line += " seq=\(s)" }
                if let s = r.site { line += " site=\(s)" }
                if let l = r.line { line += " line=\(l)" }
                print(line)
            }
            if let family = result.family, family != .sensor {
                for r in result.records { print("\(family.rawValue): \(r.json)") }
            }
            if let d = result.deadLetter {
                print("dead letter (\(d.family)): \(d.reasonCode): \(d.reason)")
                throw ExitCode(1)
            }
        }
    }
}
