import ArgumentParser
import Foundation
import Mosquitto

/// `ingestd-sim`: plays devices of the four families (sensors, battery packs, equipment
/// boards set from tablets, machines) publishing at QoS 1, with chosen fractions of
/// duplicate and malformed messages, and writes a manifest of what it published, what the
/// broker acknowledged and what the database must hold afterwards, per family.
/// Its normal play stays inside the limits of ingestd's alert rules; `--excursions` adds
/// excursions past them (an overheating pack, a line going red, a silent sensor, a drifting
/// value) and the manifest lists the alerts they must raise and clear.
/// The simulator knows nothing of ingestd: it speaks MQTT and JSON only.
@main
struct Simulator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingestd-sim",
        abstract: "Play devices on MQTT, faults included, and say what the database must hold afterwards."
    )

    @Option(help: "Broker URL (env INGESTD_MQTT_URL).") var url: String?
    @Option(help: "Families to play, a comma list of sensor, battery, equipment, machine; they take turns, one message each.")
    var families = "sensor"
    @Option(help: "Sensor devices.") var devices = 100
    @Option(help: "Metrics per sensor device.") var metrics = 1
    @Option(help: "Battery packs.") var batteries = 100
    @Option(help: "Equipment whose state tablets set.") var equipment = 20
    @Option(help: "Tablets setting the equipment's state.") var tablets = 5
    @Option(help: "Machines reporting their cycles.") var machines = 10
    @Option(help: "Messages per second in all (0: as fast as the broker takes them).") var rate: Double = 1000
    @Option(help: "Messages to publish, over all families.") var count: Int?
    @Option(help: "Seconds to publish for (when --count is not given).") var duration: Double = 10
    @Option(help: "Fraction of each family's messages that repeat an earlier one exactly.") var duplicates: Double = 0
    @Option(help: "Fraction of each family's messages that are malformed (each must become one dead letter).")
    var malformed: Double = 0
    @Option(help: "Readings per sensor message (more than 1: a JSON array).") var batch = 1
    @Option(help: ArgumentHelp("First topic level.", discussion: """
        Topics: PREFIX/{site}/{line}/sensor/{device}/{metric}, PREFIX/{site}/battery/{battery}/telemetry,
        PREFIX/{site}/{line}/equipment/{equipment}/state, PREFIX/{site}/{line}/machine/{machine}/events.
        """)) var topicPrefix = "plant"
    @Option(help: "Site name.") var site = "s1"
    @Option(help: "Production lines the sensors, equipment and machines are spread over.") var lines = 4
    @Option(help: "QoS of the publishes.") var qos: Int32 = 1
    @Option(help: "QoS 1 messages in flight at once (300-1,000 works best).") var inflight: UInt32 = 500
    @Option(help: "Random seed, for a repeatable run.") var seed: UInt64 = 42
    @Option(help: "Write the manifest (JSON) here.") var manifest: String?
    @Option(help: "Seconds to wait for the broker's acknowledgements at the end.") var ackTimeout: Double = 60
    @Flag(help: ArgumentHelp("Add excursions past the alert rules' limits, listed in the manifest's `excursions`.", discussion: """
        One battery pack overheats from 25 % of the run, one line's equipment go red at 30 % and green at 70 %,         one sensor device falls silent for --silence seconds in the middle of the run's planned time, and from 60 %         another one's metric drifts to about 400 for 12 readings. A --count run places them by message index, a         --duration run by time. Needs --rate above 0 and a run long enough for each family played.
        """)) var excursions = false
    @Option(help: "Seconds the silent sensor device of --excursions publishes nothing.") var silence: Double = 8

    func validate() throws {
        _ = try Family.list(parsing: families)
        guard devices > 0, metrics > 0, batch > 0 else { throw ValidationError("--devices, --metrics and --batch must be positive") }
        guard batteries > 0, equipment > 0, tablets > 0, machines > 0 else {
            throw ValidationError("--batteries, --equipment, --tablets and --machines must be positive")
        }
        guard (0...1).contains(duplicates), (0...1).contains(malformed), duplicates + malformed < 1 else {
            throw ValidationError("--duplicates and --malformed are fractions from 0 to 1 and must leave room for valid messages")
        }
        guard qos == 0 || qos == 1 else { throw ValidationError("--qos is 0 or 1") }
        if excursions { try validateExcursions() }
    }

    /// When the excursions happen; nil without `--excursions`.
    var excursionSchedule: ExcursionSchedule? {
        guard excursions else { return nil }
        let length: ExcursionSchedule.Length = count.map { .messages($0, rate: rate) } ?? .seconds(duration, rate: rate)
        return ExcursionSchedule(length: length, silenceSeconds: silence, seed: seed)
    }

    /// Checks that the run leaves room for every excursion of the families played.
    func validateExcursions() throws {
        guard rate > 0 else { throw ValidationError("--excursions needs --rate above 0: the silence is placed on the run's planned time") }
        guard silence > 0 else { throw ValidationError("--silence must be positive") }
        guard let schedule = excursionSchedule else { return }
        guard schedule.plannedSeconds >= 2 * silence else {
            throw ValidationError("--excursions needs a run of at least twice --silence (\(silence) s); this one plans "
                                  + "\(schedule.plannedSeconds) s: raise --count or --duration, or lower --silence")
        }
        let played = try Family.list(parsing: families)
        let perFamily = Double(schedule.plannedMessages) / Double(played.count)
        if played.contains(.sensor) {
            guard devices > 1 else { throw ValidationError("--excursions needs --devices 2 or more: one falls silent, another drifts") }
            let slots = Double(devices * metrics)
            let readings = perFamily * Double(batch) / slots
            guard readings >= 100 else {
                throw ValidationError("--excursions needs at least 100 readings per sensor device and metric; this run plans "
                                      + "\(Int(readings)): raise --count or --duration, or lower --devices or --metrics")
            }
            let inWindow = 300 * schedule.rate / Double(played.count) * Double(batch) / slots
            guard inWindow >= 60 else {
                throw ValidationError("--excursions needs at least 60 readings per sensor device and metric in 5 minutes (the "
                                      + "value_anomaly window); this run plans \(Int(inWindow)): raise --rate or lower --devices")
            }
        }
        if played.contains(.battery) {
            guard perFamily / Double(batteries) >= 20 else {
                throw ValidationError("--excursions needs at least 20 messages per battery pack; this run plans "
                                      + "\(Int(perFamily / Double(batteries))): raise --count or --duration, or lower --batteries")
            }
        }
        if played.contains(.equipment) {
            guard EquipmentPlan.redLine(equipment: equipment, tablets: tablets, lines: lines, from: 0) != nil else {
                throw ValidationError("--excursions needs a line to go red while others go on: --lines 2 or more and more "
                                      + "--equipment than lines")
            }
            guard perFamily >= Double(4 * equipment) else {
                throw ValidationError("--excursions needs at least 4 messages per equipment; this run plans "
                                      + "\(Int(perFamily / Double(equipment))): raise --count or --duration, or lower --equipment")
            }
        }
    }

    func run() throws {
        let brokerURL = try MQTTURL(parsing: url ?? ProcessInfo.processInfo.environment["INGESTD_MQTT_URL"] ?? "mqtt://127.0.0.1:1883")
        let tracker = AckTracker()
        var options = MQTTClient.Options(url: brokerURL, clientID: "ingestd-sim-\(getpid())")
        options.cleanSession = true
        options.maxInflight = inflight
        var handlers = MQTTClient.Handlers()
        handlers.onConnect = { rc in tracker.connected(rc) }
        handlers.onPublish = { mid in tracker.acked(mid) }
        handlers.onDisconnect = { rc in if rc != 0 { tracker.lostConnection() } }
        let client = try MQTTClient(options: options, handlers: handlers)
        client.start()
        guard tracker.waitConnected(seconds: 10) else {
            throw ValidationError("could not connect to \(brokerURL) within 10 s")
        }

        var plan = try makePlan()
        let total = count ?? Int.max
        let start = Date()
        let deadline = count == nil ? start.addingTimeInterval(duration) : .distantFuture
        var published = 0
        // At most --inflight messages wait for their acknowledgement: more only lengthens
        // libmosquitto's outgoing list (measured: 4x the window published 32k msg/s, 1x 38k).
        let window = Int(inflight)
        while published < total && Date() < deadline {
            if rate > 0 {
                let due = start.addingTimeInterval(Double(published) / rate)
                let wait = due.timeIntervalSinceNow
                if wait > 0.0005 { usleep(UInt32(wait * 1_000_000)) }
            }
            while qos > 0 && published - tracker.ackCount > window { usleep(200) }
            let message = plan.next(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
            // Like a device's client, libmosquitto keeps a QoS 1 message while the broker is
            // away and sends it after reconnecting; the window above bounds how many wait.
            let mid = try client.publish(topic: message.topic, payload: message.payload, qos: qos)
            if qos > 0 { tracker.sent(mid) }
            published += 1
        }
        let publishedAt = Date()
        let ackDeadline = Date().addingTimeInterval(ackTimeout)
        while qos > 0 && tracker.ackCount < published && Date() < ackDeadline { usleep(1000) }
        let acked = qos > 0 ? tracker.ackCount : published
        client.disconnect()
        client.stop()
        let elapsed = publishedAt.timeIntervalSince(start)

        let families = plan.reports
        let report = Manifest(
            published: published, acknowledged: acked, validMessages: plan.validMessages,
            duplicateMessages: plan.duplicateMessages, malformedMessages: plan.malformedMessages,
            malformedByKind: plan.malformedByKind, readingsPerMessage: batch,
            expectedUniqueReadings: families.sensor?.rows ?? 0, expectedDeadLetters: plan.malformedMessages,
            devices: devices, metrics: metrics, topicPrefix: topicPrefix,
            startedAt: ISO8601DateFormatter().string(from: start), elapsedSeconds: elapsed,
            publishRate: elapsed > 0 ? Double(published) / elapsed : 0, families: families, excursions: plan.excursions)
        if let manifest {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            try encoder.encode(report).write(to: URL(fileURLWithPath: manifest))
        }
        print("ingestd-sim: published \(published) (\(plan.validMessages) valid, \(plan.duplicateMessages) duplicates, \(plan.malformedMessages) malformed) in \(String(format: "%.2f", elapsed)) s = \(Int(report.publishRate)) msg/s\(tracker.outages > 0 ? " (waited out \(tracker.outages) broker outage\(tracker.outages == 1 ? "" : "s"))" : ""); broker acknowledged \(acked); expect \(report.expectedUniqueReadings) unique readings and \(report.expectedDeadLetters) dead letters")
        for line in families.summaryLines { print("ingestd-sim: " + line) }
        for e in plan.excursions {
            print("ingestd-sim: excursion \(e.kind.rawValue) \(e.device)\(e.metric.map { "/" + $0 } ?? ""): \(e.rule) must raise "
                  + "\(e.raises) and clear \(e.clears)")
        }
        if acked < published {
            FileHandle.standardError.write(Data("ingestd-sim: the broker acknowledged only \(acked) of \(published) messages\n".utf8))
            throw ExitCode(3)
        }
    }

    /// A plan for each family of `--families`, each on its own random stream of `--seed`,
    /// with its excursions when `--excursions` is given.
    func makePlan() throws -> PublishPlan {
        let played = Set(try Family.list(parsing: families))
        var schedule = excursionSchedule
        // The choices are drawn in this order whatever the families played, so that each
        // family's excursion is the same for a seed.
        let sensorExcursions = devices > 1 ? schedule?.sensor(devices: devices, metrics: metrics) : nil
        let overheat = schedule?.battery(batteries: batteries)
        let lineRed = schedule?.equipment(equipment: equipment, tablets: tablets, lines: lines)
        return PublishPlan(
            sensor: played.contains(.sensor)
                ? SensorPlan(devices: devices, metrics: metrics, batch: batch, topicPrefix: topicPrefix, site: site,
                             lines: lines, duplicates: duplicates, malformed: malformed, seed: seed, excursions: sensorExcursions) : nil,
            battery: played.contains(.battery)
                ? BatteryPlan(batteries: batteries, topicPrefix: topicPrefix, site: site, duplicates: duplicates,
                              malformed: malformed, seed: seed, overheat: overheat) : nil,
            equipment: played.contains(.equipment)
                ? EquipmentPlan(equipment: equipment, tablets: tablets, topicPrefix: topicPrefix, site: site, lines: lines,
                                duplicates: duplicates, malformed: malformed, seed: seed, lineRed: lineRed) : nil,
            machine: played.contains(.machine)
                ? MachinePlan(machines: machines, topicPrefix: topicPrefix, site: site, lines: lines, duplicates: duplicates,
                              malformed: malformed, seed: seed) : nil,
            schedule: schedule)
    }
}

/// Counts the broker's acknowledgements (libmosquitto's thread) for the publishing thread.
/// Each message id counts once while it is in flight: after a reconnect libmosquitto sends
/// unacknowledged messages again, and a message may then be acknowledged twice.
final class AckTracker: @unchecked Sendable {  // every field is guarded by `lock` (an NSCondition)
    private let lock = NSCondition()
    private var acks = 0
    private var inFlight = Set<Int32>()
    /// Acknowledgements that arrived before `sent` recorded their id.
    private var early = Set<Int32>()
    private var connectCode: Int32?

    func sent(_ mid: Int32) {
        lock.lock()
        if early.remove(mid) != nil { acks += 1 } else { inFlight.insert(mid) }
        lock.unlock()
    }

    func acked(_ mid: Int32) {
        lock.lock()
        if inFlight.remove(mid) != nil { acks += 1 } else { early.insert(mid) }
        lock.unlock()
    }

    var ackCount: Int { lock.lock(); defer { lock.unlock() }; return acks }

    private var lost = 0
    func lostConnection() { lock.lock(); lost += 1; lock.unlock() }
    var outages: Int { lock.lock(); defer { lock.unlock() }; return lost }

    func connected(_ rc: Int32) {
        lock.lock()
        connectCode = rc
        lock.broadcast()
        lock.unlock()
    }

    func waitConnected(seconds: Double) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date().addingTimeInterval(seconds)
        while connectCode != 0 {
            if !lock.wait(until: deadline) { return false }
        }
        return true
    }
}
