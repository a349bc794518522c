import IngestCore
import PostgresClient

/// Writes one family's rows inside the batch's open transaction. Idempotent: ON CONFLICT on
/// the natural key, so a replay or a broker redelivery never duplicates a row.
protocol TableWriter {
    associatedtype Record: FamilyRecord & JSONDescribable
    /// Session set-up that must happen outside the batch's transaction (which may roll back).
    func prepare(on connection: PostgresConnection) throws(PostgresError)
    /// Writes `rows`; returns what must be published once the transaction commits.
    func write(_ rows: Rows<Record>, on connection: PostgresConnection) throws(PostgresError) -> [CommitEffect]
}

/// Something a committed batch changed that the world must hear about.
enum CommitEffect: Equatable, Sendable {
    /// The current state of an equipment changed to this change.
    case currentState(EquipmentStateChange)
    /// An alert was raised or cleared (the table took it as news).
    case alert(AlertEvent)
}

extension TableWriter {
    func prepare(on connection: PostgresConnection) throws(PostgresError) {}

    /// Opens type-erased rows of this writer's family.
    func write(any rows: any TableRows, on connection: PostgresConnection) throws(PostgresError) -> [CommitEffect] {
        guard let rows = rows as? Rows<Record> else {
            preconditionFailure("rows of \(rows.family) handed to the table writer of \(Record.family)")
        }
        return try write(rows, on: connection)
    }
}
