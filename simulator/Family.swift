import Foundation
import ArgumentParser

/// The device families the simulator plays, as `--families` names them.
enum Family: String, CaseIterable {
    case sensor, battery, equipment, machine

    /// The name ingestd gives the family: the key of the manifest's `families` object.
    var manifestKey: String {
        switch self {
        case .sensor: "sensor"
        case .battery: "battery"
        case .equipment: "equipment_state"
        case .machine: "machine_event"
        }
    }

    /// The family's random stream: 0 for sensor, so a sensor-only run plays what it always did.
    var stream: UInt64 { UInt64(Self.allCases.firstIndex(of: self)!) }

    /// Parses a comma list such as `sensor,machine`. The result is in the canonical order
    /// (sensor, battery, equipment, machine) without repeats, so the round robin over the
    /// families does not depend on how the list was written.
    static func list(parsing text: String) throws -> [Family] {
        var chosen = Set<Family>()
        for name in text.split(separator: ",") {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let family = Family(rawValue: trimmed) else {
                throw ValidationError("--families: unknown family '\(trimmed)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            chosen.insert(family)
        }
        guard !chosen.isEmpty else { throw ValidationError("--families names at least one family") }
        return allCases.filter(chosen.contains)
    }
}
