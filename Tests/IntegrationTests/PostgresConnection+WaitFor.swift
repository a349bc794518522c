import Foundation
import PostgresClient

/// Polls `sql` (one value) until it equals `expected` or `timeout` seconds pass; returns the
/// last value. Shared by the suites that wait for what the daemon stores.
@discardableResult
func waitFor(_ db: PostgresConnection, _ sql: String, equals expected: String, timeout: Double = 30) -> String? {
    let deadline = Date().addingTimeInterval(timeout)
    var value = try? db.execute(sql).value(0, 0)
    while value != expected && Date() < deadline {
        usleep(100_000)
        value = try? db.execute(sql).value(0, 0)
    }
    return value
}
