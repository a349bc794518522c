import IngestCore
import PostgresClient

/// The runtime's registry of families: each family's table writer and migrations. Adding a
/// family touches its folders, `Family` in IngestCore and this file.
struct FamilyTables {
    private let writers: [Family: any TableWriter]

    /// Table writers keep per-session state (the sensor staging table): one set per connection.
    init(method: IngestConfig.WriteMethod) {
        writers = Dictionary(uniqueKeysWithValues: Family.allCases.map { ($0, Self.writer(of: $0, method: method)) })
    }

    private static func writer(of family: Family, method: IngestConfig.WriteMethod) -> any TableWriter {
        switch family {
        case .sensor: SensorTableWriter(method: method)
        case .battery: BatteryTableWriter()
        case .equipmentState: EquipmentStateTableWriter()
        case .machineEvent: MachineEventTableWriter()
        }
    }

    /// Session set-up for these rows, before the transaction opens.
    func prepare(_ rows: any TableRows, on connection: PostgresConnection) throws(PostgresError) {
        try writers[rows.family]!.prepare(on: connection)
    }

    /// Writes one table's rows in the open transaction.
    func write(_ rows: any TableRows, on connection: PostgresConnection) throws(PostgresError) -> [CommitEffect] {
        try writers[rows.family]!.write(any: rows, on: connection)
    }

    /// The tables partitioned by day on the native-partition layout (none of them on
    /// TimescaleDB, where they are hypertables). Not for migrations: they hold their lists as
    /// literal SQL, so that a new family never changes a released one.
    static let partitionedTables = ["sensor_readings", "battery_readings", "equipment_state_history"]

    /// Every migration, in order: the families' tables, then what spans them.
    static let migrations: [Migration] = [
        SensorMigrations.readings, Migration.roles, Migration.dailyPartitions,
        BatteryMigrations.readings, EquipmentStateMigrations.tables, MachineEventMigrations.events, ReaderViews.migration,
        DeadLetterMigrations.messageKey, AlertMigrations.table, RollupMigrations.migration, LeastPrivilege.migration,
        SearchPathHardening.migration,
        MachineEventMigrations.ownedByMachine, EquipmentStateMigrations.currentByIdentity,
        RobustRollups.migration,
        EquipmentStateMigrations.historyByIdentity,
    ]
}
