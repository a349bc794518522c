import ArgumentParser
import IngestCore
import IngestRuntime

extension Ingestd {
    /// Hidden: times the two write paths alone, for bench/run.
    struct BenchWrite: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-write", abstract: "Time the batch writer alone (bench/run uses it).", shouldDisplay: false)
        @Option(help: "An empty database to write into.") var database: String
        @Option(help: "copy or unnest") var method: IngestConfig.WriteMethod
        @Option(help: "auto, timescaledb or partitions") var engine: IngestConfig.StorageEngine = .auto
        @Option var rows = 1_000_000
        @Option var batchSize = 5_000
        @Option(help: "Share of each batch that repeats written rows (ON CONFLICT).") var repeatFraction = 0.0

        func run() throws {
            let r = try WritePathBenchmark.run(databaseURL: database, engine: engine, method: method, rows: rows,
                                               batchSize: batchSize, repeatFraction: repeatFraction)
            print("\(method.rawValue) \(r.layout.rawValue) \(r.rows) \(Int(r.rowsPerSecond))")
        }
    }
}

extension IngestConfig.WriteMethod: ExpressibleByArgument {}
extension IngestConfig.StorageEngine: ExpressibleByArgument {}
