import ArgumentParser
import Foundation
import IngestCore
import IngestRuntime

extension Ingestd {
    /// `ingestd query NAME`: prints one of the reader views (migration 7) as a table, CSV or JSON.
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a reader view: current equipment state, summaries, latest batteries, rollups, alerts, dead letters.",
            discussion: """
                NAME is one of:
                \(ReaderQuery.Name.allCases.map { "  " + $0.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0) + $0.summary }.joined(separator: "\n"))

                The database URL is the config's, or INGESTD_DATABASE_URL (then the config is not \
                read at all). A role granted ingestd_reader is enough: the session is read-only. \
                Times print in RFC 3339; battery-health's days follow the session's time zone (the \
                server's, or PGTZ).
                """)

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The view to print (see below).") var name: String
        @Option(help: "Only this site.") var site: String?
        @Option(help: "From this time: RFC 3339, a date, or a duration ago such as 90m, 24h, 7d.") var since = "24h"
        @Option(help: "Up to this time, excluded: as --since.") var until = "now"
        @Option(help: "At most this many rows (top-lines: this many lines).") var limit = ReaderQuery.defaultLimit
        @Option(help: "table, csv or json.") var format: ResultFormat = .table

        func validate() throws {
            _ = try query()
        }

        func run() throws {
            let query = try query()
            let rows: [[String?]]
            do {
                rows = try query.rows(databaseURL: try databaseURL())
            } catch let failure as ReaderQueryFailure {
                FileHandle.standardError.write(Data("ingestd query: \(failure)\n".utf8))
                throw ExitCode(1)
            }
            print(ResultFormatter.format(rows, columns: query.columns, as: format), terminator: "")
        }

        /// The query the arguments ask for; a bad argument is a usage error.
        private func query() throws -> ReaderQuery {
            let now = Timestamp.now()
            do {
                return try ReaderQuery(ReaderQuery.Name(parsing: name), site: site,
                                       since: ReaderQuery.time(since, option: "--since", now: now),
                                       until: ReaderQuery.time(until, option: "--until", now: now), limit: limit)
            } catch {
                throw ValidationError(error.description)
            }
        }

        /// INGESTD_DATABASE_URL when set, as it is: the config is then not read, so a reader
        /// needs neither the daemon's config nor its database password. Else the config's URL,
        /// with its password (PGPASSWORD: this process makes no other connection).
        private func databaseURL() throws -> String {
            if let url = ProcessInfo.processInfo.environment["INGESTD_DATABASE_URL"], !url.isEmpty {
                return url
            }
            let database = try options.load().database
            if let password = database.password { setenv("PGPASSWORD", password, 1) }
            return database.url
        }
    }
}

extension ResultFormat: ExpressibleByArgument {}
