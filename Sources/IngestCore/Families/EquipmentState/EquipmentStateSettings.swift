/// What equipment-state records may say. Configurable under `families.equipment_state`.
public struct EquipmentStateSettings: Equatable, Sendable {
    /// The colours of the magnet board.
    public var states: [String] = ["green", "yellow", "red"]
    /// When set, the only equipment accepted: the registry of the floor.
    public var knownEquipment: Set<String>?

    public init() {}
}
