import IngestCore
import Logging
import PostgresClient

/// Times the batch writer alone, without MQTT: `rows` readings in batches of `batchSize`
/// through one method into a freshly migrated database. For `bench/run`.
public enum WritePathBenchmark {
    public struct Result: Sendable {
        public var layout: StorageLayout
        public var rows: Int
        public var seconds: Double
        public var rowsPerSecond: Double { Double(rows) / seconds }
    }

    /// - Parameter repeatFraction: the share of each batch that repeats rows already written
    ///   (the ON CONFLICT path), as a broker redelivery would.
    public static func run(databaseURL: String, engine: IngestConfig.StorageEngine, method: IngestConfig.WriteMethod,
                           rows: Int, batchSize: Int, repeatFraction: Double = 0) throws -> Result {
        let connection = try PostgresConnection(databaseURL)
        var storage = IngestConfig().storage
        storage.engine = engine
        var logger = Logger(label: "ingestd.bench")
        logger.logLevel = .warning
        let report = try Migrator(connection: connection, storage: storage, logger: logger).migrate()
        if report.layout == .partitions { try connection.execute("SELECT ingestd_ensure_partitions(8, 3)") }
        let writer = BatchWriter(connection: connection, method: method)
        let base = Timestamp.now().microseconds - 3_600_000_000
        func reading(_ i: Int) -> SensorReading {
            SensorReading(ts: Timestamp(microseconds: base + Int64(i / 1000) * 1000), device: "dev\(i % 1000)", metric: "temperature",
                          value: Double(i % 1000) / 10, unit: "C", seq: Int64(i), site: "s1", line: "line\(i % 4)",
                          receivedAt: Timestamp(microseconds: base))
        }
        let repeats = Int(Double(batchSize) * repeatFraction)
        var elapsed: Duration = .zero
        var written = 0
        while written < rows {
            let fresh = min(batchSize - repeats, rows - written)
            var readings = (written..<(written + fresh)).map(reading)
            if written > 0 { readings += (max(0, written - repeats)..<written).map(reading) }
            let batch = Batch(tables: [Rows(readings)])
            let start = ContinuousClock.now
            _ = try writer.write(batch)
            elapsed += start.duration(to: .now)
            written += fresh
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(layout: report.layout, rows: rows, seconds: seconds)
    }
}
