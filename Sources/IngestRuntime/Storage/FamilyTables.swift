import IngestCore
import PostgresClient

/// The runtime's registry of families: each family's table writer and migrations. Adding a
/// family touches its folders, `Family` in IngestCore and this file.
struct FamilyTables {
    let sensor: SensorTableWriter
    let battery = BatteryTableWriter()
    let equipmentState = EquipmentStateTableWriter()
    let machineEvent = MachineEventTableWriter()

    init(method: IngestConfig.WriteMethod) {
        sensor = SensorTableWriter(method: method)
    }

    /// Writes one table's rows in the open transaction.
    func write(_ rows: any TableRows, on connection: PostgresConnection) throws(PostgresError) -> [CommitEffect] {
        switch rows.family {
        case .sensor: try sensor.write(any: rows, on: connection)
        case .battery: try battery.write(any: rows, on: connection)
        case .equipmentState: try equipmentState.write(any: rows, on: connection)
        case .machineEvent: try machineEvent.write(any: rows, on: connection)
        }
    }

    /// The tables partitioned by day on the native-partition layout (none of them on
    /// TimescaleDB, where they are hypertables).
    static let partitionedTables = ["sensor_readings", "battery_readings", "equipment_state_history"]

    /// Every migration, in order: the families' tables, then what spans them.
    static let migrations: [Migration] = [
        SensorMigrations.readings, Migration.roles, Migration.dailyPartitions,
        BatteryMigrations.readings, EquipmentStateMigrations.tables, MachineEventMigrations.events, ReaderViews.migration,
    ]
}
