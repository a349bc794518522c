/// The device families ingestd knows: the one registry. A family is a folder under
/// `Families/` (record, decoder, validator, key and merge rule) plus its table writer and
/// migration in IngestRuntime; adding one touches its folders, this enum and the runtime's
/// `FamilyTables` registry, nothing else.
public enum Family: String, Sendable, CaseIterable, Hashable {
    case sensor
    case battery
    case equipmentState = "equipment_state"
    case machineEvent = "machine_event"

    /// The names a route may give, for error messages.
    public static var supportedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// This family's decoder and validator.
    private var codec: any FamilyCodec.Type {
        switch self {
        case .sensor: SensorDecoder.self
        case .battery: BatteryDecoder.self
        case .equipmentState: EquipmentStateDecoder.self
        case .machineEvent: MachineEventDecoder.self
        }
    }

    /// The topic level that names the device of this family's records.
    public var identityField: String { codec.identityField }

    /// Whether a route of this family may use `format: number`.
    public var acceptsBareNumber: Bool { codec.acceptsBareNumber }

    /// The pipeline lane of this family: decoder, validator and dedup window.
    func makeLane(settings: FamilySettings, dedupCapacity: Int) -> any FamilyLaneProtocol {
        let limits = settings.limits
        switch self {
        case .sensor:
            return FamilyLane(codec: SensorDecoder(limits: limits, ranges: settings.sensor), limits: limits, dedupCapacity: dedupCapacity)
        case .battery:
            return FamilyLane(codec: BatteryDecoder(limits: limits, ranges: settings.battery), limits: limits,
                              dedupCapacity: dedupCapacity)
        case .equipmentState:
            return FamilyLane(codec: EquipmentStateDecoder(limits: limits, settings: settings.equipmentState), limits: limits,
                              dedupCapacity: dedupCapacity)
        case .machineEvent:
            return FamilyLane(codec: MachineEventDecoder(limits: limits, settings: settings.machineEvent), limits: limits,
                              dedupCapacity: dedupCapacity)
        }
    }
}

/// What the families' decoders and validators are configured with.
public struct FamilySettings: Equatable, Sendable {
    public var limits = Limits()
    public var sensor = SensorRanges()
    public var battery = BatteryRanges()
    public var equipmentState = EquipmentStateSettings()
    public var machineEvent = MachineEventSettings()

    public init(limits: Limits = Limits()) { self.limits = limits }
}
