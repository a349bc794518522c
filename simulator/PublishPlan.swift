/// Decides what each next message is, over the families of the run: they take turns, one
/// message each in the canonical order (sensor, battery, equipment, machine), so each
/// family gets an equal share of the rate and the count (the first ones one more when the
/// count does not divide). Each family's plan draws from its own random stream: a family's
/// messages do not depend on which others play, and a sensor-only run is what the simulator
/// always played. Deterministic for a seed.
///
/// With a schedule (`--excursions`), each family's plan is told how far the run has come,
/// so that its excursions happen at their fractions of the run.
struct PublishPlan {
    /// One MQTT message to publish.
    struct Message {
        var topic: String
        var payload: [UInt8]

        init(topic: String, payload: String) {
            self.topic = topic
            self.payload = Array(payload.utf8)
        }
    }

    let families: [Family]
    private(set) var sensor: SensorPlan?
    private(set) var battery: BatteryPlan?
    private(set) var equipment: EquipmentPlan?
    private(set) var machine: MachinePlan?
    private var turn = 0
    /// When the excursions happen; nil without `--excursions`.
    private var schedule: ExcursionSchedule?

    /// The families played are those given a plan.
    init(sensor: SensorPlan? = nil, battery: BatteryPlan? = nil, equipment: EquipmentPlan? = nil, machine: MachinePlan? = nil,
         schedule: ExcursionSchedule? = nil) {
        self.schedule = schedule
        self.sensor = sensor
        self.battery = battery
        self.equipment = equipment
        self.machine = machine
        families = [(Family.sensor, sensor != nil), (.battery, battery != nil), (.equipment, equipment != nil),
                    (.machine, machine != nil)].filter(\.1).map(\.0)
        precondition(!families.isEmpty, "at least one family")
    }

    mutating func next(nowMs: Int64) -> Message {
        let progress = schedule?.progress(messageIndex: turn, nowMs: nowMs) ?? 0
        let family = families[turn % families.count]
        turn += 1
        switch family {
        case .sensor: return sensor!.next(nowMs: nowMs, progress: progress)
        case .battery: return battery!.next(nowMs: nowMs, progress: progress)
        case .equipment: return equipment!.next(nowMs: nowMs, progress: progress)
        case .machine: return machine!.next(nowMs: nowMs)
        }
    }

    /// The excursions of all families, as the manifest's `excursions` lists them: empty
    /// without `--excursions`.
    var excursions: [Excursion] {
        (sensor?.excursionReports ?? []) + (battery?.excursionReports ?? []) + (equipment?.excursionReports ?? [])
    }

    /// Valid messages over all families: neither exact repeats nor malformed.
    var validMessages: Int {
        (sensor?.validMessages ?? 0) + (battery?.validMessages ?? 0) + (equipment?.validMessages ?? 0)
            + (machine?.validMessages ?? 0)
    }

    /// Exact repeats of earlier messages over all families.
    var duplicateMessages: Int {
        (sensor?.duplicateMessages ?? 0) + (battery?.duplicateMessages ?? 0) + (equipment?.duplicateMessages ?? 0)
            + (machine?.duplicateMessages ?? 0)
    }

    /// Malformed messages over all families: each must become one dead letter.
    var malformedMessages: Int {
        (sensor?.malformedMessages ?? 0) + (battery?.malformedMessages ?? 0) + (equipment?.malformedMessages ?? 0)
            + (machine?.malformedMessages ?? 0)
    }

    /// Malformed messages by kind over all families (kinds of the same name add up).
    var malformedByKind: [String: Int] {
        [sensor?.malformedByKind, battery?.malformedByKind, equipment?.malformedByKind, machine?.malformedByKind]
            .compactMap { $0 }
            .reduce(into: [:]) { total, kinds in total.merge(kinds, uniquingKeysWith: +) }
    }

    /// Each played family's report, as the manifest's `families` object holds them.
    var reports: Manifest.Families {
        Manifest.Families(sensor: sensor?.report, battery: battery?.report, equipmentState: equipment?.report,
                          machineEvent: machine?.report)
    }
}
