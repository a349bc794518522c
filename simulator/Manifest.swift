/// What a run published, what the broker acknowledged and what the database must hold
/// afterwards; written as snake_case JSON. The top-level fields keep their first meaning:
/// the message counts are over all families, `expected_unique_readings` is the sensor rows
/// (0 when sensors do not play) and `expected_dead_letters` is the dead letters of all
/// families. `families` details each family played, keyed by ingestd's family names.
///
/// `excursions` lists what `--excursions` played outside the normal ranges, one entry per
/// device (see `Excursion` for each field): `kind` (overheat, line_red, silence, drift),
/// `family`, `site`, `device`, `metric` (or null), `rule` (the alert rule that must fire),
/// `raises` and `clears` (the alerts it must raise and clear: 1 and 1), `from` and `to`
/// (epoch ms). Empty without the option: the normal play never crosses a rule's limits.
/// Excursion messages are all valid and counted like any other in the figures above.
struct Manifest: Codable {
    /// Each played family's figures; a family not played is absent.
    struct Families: Codable {
        var sensor: SensorPlan.Report?
        var battery: BatteryPlan.Report?
        var equipmentState: EquipmentPlan.Report?
        var machineEvent: MachinePlan.Report?

        /// One line per family played, for the end of the run.
        var summaryLines: [String] {
            var lines: [String] = []
            if let r = sensor {
                lines.append("sensor: \(r.messages) messages: \(r.rows) rows, \(r.duplicates) duplicates, \(r.deadLetters) dead letters")
            }
            if let r = battery {
                lines.append("battery: \(r.messages) messages: \(r.rows) rows, \(r.corrections) corrections, "
                             + "\(r.duplicates) duplicates, \(r.deadLetters) dead letters")
            }
            if let r = equipmentState {
                lines.append("equipment_state: \(r.messages) messages: \(r.historyRows) history rows (\(r.replayed) replayed late), "
                             + "\(r.duplicates) duplicates, \(r.deadLetters) dead letters; a current state for \(r.current.count) equipment")
            }
            if let r = machineEvent {
                lines.append("machine_event: \(r.messages) messages, \(r.events) events: \(r.rows) rows, \(r.updated) updated, "
                             + "\(r.stale) stale, \(r.duplicates) duplicates (\(r.duplicateEvents) events), \(r.deadLetters) dead letters; "
                             + "defect sum \(r.defectSum), \(r.unknownDefects) unknown")
            }
            return lines
        }
    }

    var published: Int
    var acknowledged: Int
    var validMessages: Int
    var duplicateMessages: Int
    var malformedMessages: Int
    var malformedByKind: [String: Int]
    var readingsPerMessage: Int
    var expectedUniqueReadings: Int
    var expectedDeadLetters: Int
    var devices: Int
    var metrics: Int
    var topicPrefix: String
    var startedAt: String
    var elapsedSeconds: Double
    var publishRate: Double
    var families: Families
    var excursions: [Excursion]
}
