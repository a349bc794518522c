import Foundation
import IngestCore
@testable import IngestRuntime
import Logging
import Testing

/// The journal on real files in a temporary folder, through its own API (no broker, no
/// database): recovery of a torn tail, settling and replay, the size bound, the lock.
@Suite struct JournalTests {
    /// Keeps what the journal logs, so that a test can wait for a state only the log shows.
    final class LogCapture: @unchecked Sendable {  // `lines` is guarded by `lock`
        private let lock = NSLock()
        private var lines: [String] = []

        var logger: Logger {
            var logger = Logger(label: "ingestd.journal") { _ in Handler(capture: self) }
            logger.logLevel = .debug
            return logger
        }

        func count(containing text: String) -> Int { lock.withLock { lines.filter { $0.contains(text) }.count } }
        var all: String { lock.withLock { lines.joined(separator: "\n") } }

        /// Waits until `count` lines contain `text`; false when `timeout` seconds pass first.
        func waitFor(_ text: String, count: Int = 1, timeout: Double = 20) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while self.count(containing: text) < count {
                if Date() > deadline { return false }
                usleep(10_000)
            }
            return true
        }

        fileprivate func append(_ line: String) { lock.withLock { lines.append(line) } }

        struct Handler: LogHandler {
            let capture: LogCapture
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .debug
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }

            func log(event: LogEvent) { capture.append("\(event.level): \(event.message)") }
        }
    }

    /// A fresh, empty folder for one journal.
    func temporaryDirectory(_ label: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingestd-journal-\(label)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path + "/journal"
    }

    func options(_ directory: String, segmentBytes: Int = 4096, maxBytes: Int = 1 << 30) -> Journal.Options {
        var options = Journal.Options(directory: directory)
        options.segmentBytes = segmentBytes
        options.maxBytes = maxBytes
        options.sync = .always
        return options
    }

    static func topic(_ sequence: UInt64) -> String { "plant/s1/l1/sensor/dev\(sequence % 7)/temp" }
    /// Every payload the same length, so that every record takes the same room.
    static func payload(_ sequence: UInt64) -> String { "{\"seq\":\"\(String(format: "%08d", sequence))\",\"value\":\(sequence % 90 + 10)}" }

    static var recordLength: Int { JournalRecord.length(topic: topic(1).utf8.count, payload: payload(1).utf8.count) }

    @discardableResult
    func put(_ journal: Journal, _ sequence: UInt64) -> Bool {
        Array(Self.topic(sequence).utf8).withUnsafeBytes { topic in
            Array(Self.payload(sequence).utf8).withUnsafeBytes { payload in
                journal.put(topic: topic, payload: payload, size: payload.count,
                            receivedAt: Timestamp(microseconds: 1_700_000_000_000_000 + Int64(sequence)), sequence: sequence)
            }
        }
    }

    /// Takes until `count` messages came or 10 s passed without one.
    func take(_ journal: Journal, count: Int) -> [InboundMessage] {
        var taken: [InboundMessage] = []
        while taken.count < count, let burst = journal.take(until: .now + .seconds(10)), !burst.isEmpty {
            taken += burst
        }
        return taken
    }

    /// Expects exactly the messages `sequences`, in that order, each with its topic and payload.
    func expectMessages(_ messages: [InboundMessage], are sequences: [UInt64], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(messages.map(\.sequence) == sequences, sourceLocation: sourceLocation)
        for m in messages {
            #expect(m.topic == Self.topic(m.sequence) && m.payload == Array(Self.payload(m.sequence).utf8)
                    && m.size == m.payload.count && m.receivedAt == Timestamp(microseconds: 1_700_000_000_000_000 + Int64(m.sequence)),
                    "message \(m.sequence)", sourceLocation: sourceLocation)
        }
    }

    func segmentFiles(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".journal") }.sorted()
    }

    func sequences(inSegment path: String) throws -> [UInt64] { try JournalFiles.sequences(inSegment: path) }

    @Test("a journal with a torn last record: the record is cut and reported, the rest is replayed")
    func tornLastRecordIsCutAndTheRestReplayed() throws {
        let dir = try temporaryDirectory("torn")
        let n: UInt64 = 50
        do {
            let journal = try Journal(options(dir, segmentBytes: 1 << 20), logger: LogCapture().logger)
            for s in 1...n { #expect(put(journal, s)) }
            journal.close()
        }
        let files = try segmentFiles(dir)
        #expect(files == ["0000000000000001.journal"])
        // One byte in the middle of the last record's payload, as a power cut might leave it.
        let segment = dir + "/" + files[0]
        let lastOffset = Int(n - 1) * Self.recordLength
        let handle = try #require(FileHandle(forUpdatingAtPath: segment))
        let at = UInt64(lastOffset + JournalRecord.headerSize + Self.topic(n).utf8.count + 5)
        try handle.seek(toOffset: at)
        let byte = try #require(try handle.read(upToCount: 1)).first ?? 0
        try handle.seek(toOffset: at)
        try handle.write(contentsOf: [byte ^ 0x20])
        try handle.close()

        let log = LogCapture()
        let journal = try Journal(options(dir, segmentBytes: 1 << 20), logger: log.logger)
        defer { journal.close() }
        #expect(journal.recovery.cutRecords.count == 1, "\(journal.recovery)")
        let cut = journal.recovery.cutRecords.first ?? ""
        #expect(cut.contains("0000000000000001.journal") && cut.contains("at byte \(lastOffset)"), "cut: \(cut)")
        #expect(journal.recovery.replay == Int(n) - 1)
        #expect(log.count(containing: "cut a torn or damaged record") == 1, "log:\n\(log.all)")
        expectMessages(take(journal, count: Int(n) - 1), are: Array(1..<n))
        // The torn message's sequence number is free again: the next message takes it.
        #expect(journal.resume.sequence == n)
        #expect(put(journal, n))
        expectMessages(take(journal, count: 1), are: [n])
    }

    @Test("settled segments are deleted, and a reopened journal replays only what lies past the checkpoint")
    func settledSegmentsAreDeletedAndOnlyTheRestReplayed() throws {
        let dir = try temporaryDirectory("settle")
        let perSegment = 4096 / Self.recordLength
        let n = UInt64(perSegment * 6 + 3)
        let settled = UInt64(perSegment * 3 + perSegment / 2)  // halfway into the fourth segment
        do {
            let journal = try Journal(options(dir), logger: LogCapture().logger)
            for s in 1...n { #expect(put(journal, s)) }
            expectMessages(take(journal, count: Int(n)), are: Array(1...n))
            let before = try segmentFiles(dir)
            #expect(before.count == 7, "\(perSegment) records of \(Self.recordLength) bytes per 4 KiB segment: \(before)")
            let contents = try before.map { try sequences(inSegment: dir + "/" + $0) }
            #expect(contents.flatMap { $0 } == Array(1...n))
            journal.settled(through: settled)
            let after = try segmentFiles(dir)
            // Gone: exactly the segments whose every message is settled.
            for (file, all) in zip(before, contents) {
                let wholly = all.allSatisfy { $0 <= settled }
                #expect(after.contains(file) == !wholly, "\(file) holds \(all.first ?? 0)...\(all.last ?? 0), settled through \(settled)")
            }
            #expect(after.count == 4)
            #expect(journal.backlog == InboxBacklog(messages: Int(n - settled), bytes: 4 * 4096))
            journal.close()
        }
        let journal = try Journal(options(dir), logger: LogCapture().logger)
        defer { journal.close() }
        #expect(journal.recovery.cutRecords.isEmpty)
        #expect(journal.recovery.replay == Int(n - settled))
        expectMessages(take(journal, count: Int(n - settled)), are: Array((settled + 1)...n))
        #expect(journal.take(until: .now + .milliseconds(200))?.isEmpty == true, "nothing more")
        #expect(journal.resume.sequence == n + 1)
    }

    @Test("a journal at max_bytes blocks put until settled(through:) frees a segment, and closeIntake() ends a blocked put with false")
    func fullJournalBlocksPutUntilSettledAndCloseIntakeEndsIt() throws {
        let dir = try temporaryDirectory("full")
        let log = LogCapture()
        let journal = try Journal(options(dir, segmentBytes: 4096, maxBytes: 3 * 4096), logger: log.logger)
        defer { journal.close() }
        let perSegment = UInt64(4096 / Self.recordLength)

        /// Puts `sequences` on a thread of its own (the way libmosquitto's thread does),
        /// counting those put; `done` is signalled with the last put's result.
        final class Putter: @unchecked Sendable {  // `put` and `result` are guarded by `lock`
            let lock = NSCondition()
            var put = 0
            var result: Bool?

            func wait(timeout: Double, until done: () -> Bool) -> Bool {
                lock.lock(); defer { lock.unlock() }
                let deadline = Date().addingTimeInterval(timeout)
                while !done() { if !lock.wait(until: deadline) { return done() } }
                return true
            }
        }
        func putOnAThread(_ sequences: ClosedRange<UInt64>) -> Putter {
            let putter = Putter()
            let thread = Thread { [self] in
                var ok = true
                for s in sequences {
                    ok = put(journal, s)
                    putter.lock.withLock { if ok { putter.put += 1 }; putter.lock.broadcast() }
                    if !ok { break }
                }
                putter.lock.withLock { putter.result = ok; putter.lock.broadcast() }
            }
            thread.start()
            return putter
        }

        // Three segments fill the bound; the first message of a fourth must wait.
        let first = putOnAThread(1...(3 * perSegment + 1))
        #expect(first.wait(timeout: 20) { first.put == Int(3 * perSegment) }, "put \(first.put)")
        #expect(log.waitFor("journal full"), "the put never waited; log:\n\(log.all)")
        #expect(first.lock.withLock { first.result == nil && first.put == Int(3 * perSegment) }, "the put did not wait")
        #expect(journal.backlog.bytes == 3 * 4096)

        // The pipeline takes everything; the writer settles the first segment: room for one more.
        expectMessages(take(journal, count: Int(3 * perSegment)), are: Array(1...(3 * perSegment)))
        journal.settled(through: perSegment)
        #expect(first.wait(timeout: 20) { first.result != nil }, "the put did not resume after settling; log:\n\(log.all)")
        #expect(first.result == true)
        #expect(log.waitFor("journal has room again"))
        expectMessages(take(journal, count: 1), are: [3 * perSegment + 1])

        // Full again (segments 2, 3 and 4); this time intake closes while a put waits.
        let next = 3 * perSegment + 2
        let second = putOnAThread(next...(next + perSegment))
        #expect(log.waitFor("journal full", count: 2), "the second put never waited; log:\n\(log.all)")
        #expect(second.lock.withLock { second.result == nil }, "the put did not wait")
        journal.closeIntake()
        #expect(second.wait(timeout: 20) { second.result != nil }, "closeIntake() did not end the waiting put")
        #expect(second.result == false)
        #expect(second.put == Int(perSegment) - 1, "every message before the waiting one was kept")
        #expect(!put(journal, next + perSegment + 1), "a put after closeIntake() is refused at once")
    }

    @Test("two journals on one directory: the second is refused, saying that another ingestd uses it")
    func aSecondJournalOnTheSameDirectoryIsRefused() throws {
        let dir = try temporaryDirectory("lock")
        do {
            let journal = try Journal(options(dir), logger: LogCapture().logger)
            #expect(put(journal, 1))
            do {
                _ = try Journal(options(dir), logger: LogCapture().logger)
                Issue.record("a second journal opened on \(dir)")
            } catch {
                #expect("\(error)".contains("another ingestd is using this journal"), "\(error)")
                #expect("\(error)".contains(dir), "the error names the directory: \(error)")
            }
            journal.close()
        }
        // Once the first is closed and gone, the directory is free, and its message is still there.
        let journal = try Journal(options(dir), logger: LogCapture().logger)
        defer { journal.close() }
        expectMessages(take(journal, count: 1), are: [1])
    }
}

/// A journal's files read from the outside, as a test sees them while ingestd runs.
enum JournalFiles {
    /// The sequence numbers of the whole records in a segment file, read from its bytes.
    static func sequences(inSegment path: String) throws -> [UInt64] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { bytes in
            var found: [UInt64] = []
            var offset = 0
            while case .record(let header, let next) = JournalRecord.read(bytes, at: offset) {
                found.append(header.sequence)
                offset = next
            }
            return found
        }
    }

    /// How many whole records the segment files in `directory` hold (0 when it does not exist).
    static func records(in directory: String) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".journal") }.reduce(0) { $0 + ((try? sequences(inSegment: directory + "/" + $1))?.count ?? 0) }
    }
}
