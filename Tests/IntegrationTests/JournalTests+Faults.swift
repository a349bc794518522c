import Foundation
import IngestCore
@testable import IngestRuntime
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The journal when its disk fails: a damaged record in the middle of a segment costs that
/// record only, a failed fdatasync or pwrite is never taken for durable (the journal stops
/// taking messages), and a segment that cannot be mapped is kept, never skipped or deleted.
extension JournalTests {
    /// A switch a test flips to make one of the journal's calls fail.
    final class Fault: Sendable {
        let on = Atomic(false)
        let calls = Atomic(0)
    }

    /// `fdatasync`, `pwrite` or `mmap` failing with `code` while `fault` is on.
    func failing(_ call: String, _ fault: Fault, errno code: Int32) -> JournalSyscalls {
        var io = JournalSyscalls.system
        switch call {
        case "fdatasync":
            io.fdatasync = { fd in
                guard fault.on.load(ordering: .relaxed) else { return Glibc.fdatasync(fd) }
                fault.calls.add(1, ordering: .relaxed)
                errno = code
                return -1
            }
        case "pwrite":
            io.pwrite = { fd, p, n, at in
                guard fault.on.load(ordering: .relaxed) else { return Glibc.pwrite(fd, p, n, at) }
                fault.calls.add(1, ordering: .relaxed)
                errno = code
                return -1
            }
        case "mmap":
            io.mmap = { fd, n in
                guard fault.on.load(ordering: .relaxed) else { return Glibc.mmap(nil, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) }
                fault.calls.add(1, ordering: .relaxed)
                errno = code
                return MAP_FAILED
            }
        default:
            preconditionFailure(call)
        }
        return io
    }

    final class Told: Sendable {
        let reasons = Mutex<[String]>([])
    }

    @Test("a record damaged in the middle of a segment costs that record only: the records after it are replayed, its bytes set aside in damaged/ and counted")
    func aRecordDamagedMidSegmentCostsThatRecordOnly() throws {
        let dir = try temporaryDirectory("midseg")
        let n: UInt64 = 50
        do {
            let journal = try Journal(options(dir, segmentBytes: 1 << 20), logger: LogCapture().logger)
            for s in 1...n { #expect(put(journal, s)) }
            journal.close()
        }
        let segment = dir + "/0000000000000001.journal"
        let damagedOffset = 19 * Self.recordLength  // message 20
        let original = try #require(FileHandle(forReadingAtPath: segment))
        try original.seek(toOffset: UInt64(damagedOffset))
        let before = try #require(try original.read(upToCount: Self.recordLength))
        try original.close()
        let handle = try #require(FileHandle(forUpdatingAtPath: segment))
        try handle.seek(toOffset: UInt64(damagedOffset + JournalRecord.headerSize + 7))
        try handle.write(contentsOf: [0xFF, 0x00, 0xFF])
        try handle.close()

        let log = LogCapture()
        let journal = try Journal(options(dir, segmentBytes: 1 << 20), logger: log.logger)
        defer { journal.close() }
        let r = journal.recovery
        #expect(r.damagedRanges == 1 && r.damagedBytes == Self.recordLength, "\(r)")
        #expect(r.replay == Int(n) - 1, "every record but the damaged one")
        let setAside = dir + "/damaged/0000000000000001-\(damagedOffset).bin"
        #expect(r.setAside == [setAside])
        let kept = try #require(FileManager.default.contents(atPath: setAside), "no \(setAside)")
        #expect(kept.count == Self.recordLength)
        #expect(kept.prefix(JournalRecord.headerSize) == before.prefix(JournalRecord.headerSize), "the damaged bytes as they are on disk")
        #expect(r.cutRecords.first?.contains("at byte \(damagedOffset)") == true && r.cutRecords.first?.contains("the records after them are replayed") == true,
                "\(r.cutRecords)")
        #expect(log.count(containing: "1 damaged records (\(Self.recordLength) bytes) set aside") == 1, "log:\n\(log.all)")
        expectMessages(take(journal, count: Int(n) - 1), are: Array(1..<20) + Array(21...n))
        #expect(journal.resume.sequence == n + 1)
        // Once all of it is settled the segment goes; what was set aside stays.
        journal.settled(through: n)
        #expect(put(journal, n + 1))
        expectMessages(take(journal, count: 1), are: [n + 1])
        #expect(FileManager.default.fileExists(atPath: setAside))
    }

    @Test("a failed fdatasync (journal.sync: always) refuses the message and every later one, says why once, and the refused one is not replayed")
    func aFailedFdatasyncStopsTakingMessages() throws {
        let dir = try temporaryDirectory("fsyncfail")
        let fault = Fault()
        let told = Told()
        var opts = options(dir, segmentBytes: 1 << 20)
        opts.io = failing("fdatasync", fault, errno: EIO)
        opts.onFailure = { reason in told.reasons.withLock { $0.append(reason) } }
        let log = LogCapture()
        do {
            let journal = try Journal(opts, logger: log.logger)
            for s in 1...5 as ClosedRange<UInt64> { #expect(put(journal, s)) }
            fault.on.store(true, ordering: .relaxed)
            #expect(!put(journal, 6), "a record whose fdatasync failed is not acknowledged")
            #expect(!put(journal, 7), "nor is any after it")
            fault.on.store(false, ordering: .relaxed)
            #expect(!put(journal, 8), "a later fdatasync that succeeds proves nothing about the pages the failed one lost")
            let failure = try #require(journal.failure)
            #expect(failure.contains("fdatasync(") && failure.contains("Input/output error"), "\(failure)")
            #expect(told.reasons.withLock { $0.count } == 1)
            #expect(told.reasons.withLock { $0.first?.contains("not acknowledging messages (they stay at the broker)") } == true)
            #expect(log.count(containing: "fdatasync(") == 1, "said once:\n\(log.all)")
            expectMessages(take(journal, count: 5), are: Array(1...5))
            #expect(journal.take(until: .now + .milliseconds(200))?.isEmpty == true, "the refused message is not readable")
            journal.close()
        }
        let journal = try Journal(options(dir, segmentBytes: 1 << 20), logger: LogCapture().logger)
        defer { journal.close() }
        #expect(journal.recovery.replay == 5 && journal.recovery.damagedRanges == 0, "\(journal.recovery)")
        expectMessages(take(journal, count: 5), are: Array(1...5))
    }

    @Test("a failed fdatasync of the interval sync stops taking messages")
    func aFailedIntervalSyncStopsTakingMessages() throws {
        let dir = try temporaryDirectory("intervalfail")
        let fault = Fault()
        var opts = options(dir, segmentBytes: 1 << 20)
        opts.sync = .interval(.milliseconds(50))
        opts.io = failing("fdatasync", fault, errno: ENOSPC)
        let log = LogCapture()
        let journal = try Journal(opts, logger: log.logger)
        defer { journal.close() }
        #expect(put(journal, 1))
        fault.on.store(true, ordering: .relaxed)
        _ = put(journal, 2)  // taken or not, depending on when the sync thread runs
        #expect(log.waitFor("No space left on device"), "log:\n\(log.all)")
        #expect(!put(journal, 3))
        #expect(journal.failure?.contains("fdatasync(") == true)
    }

    @Test("a failed pwrite of the checkpoint stops taking messages")
    func aFailedCheckpointWriteStopsTakingMessages() throws {
        let dir = try temporaryDirectory("pwritefail")
        let fault = Fault()
        var opts = options(dir, segmentBytes: 1 << 20)
        opts.io = failing("pwrite", fault, errno: ENOSPC)
        let journal = try Journal(opts, logger: LogCapture().logger)
        defer { journal.close() }
        #expect(put(journal, 1) && put(journal, 2))
        expectMessages(take(journal, count: 2), are: [1, 2])
        fault.on.store(true, ordering: .relaxed)
        journal.settled(through: 1)
        #expect(fault.calls.load(ordering: .relaxed) >= 1)
        #expect(journal.failure?.contains("pwrite(\(dir)/checkpoint) failed: No space left on device") == true, "\(journal.failure ?? "no failure")")
        #expect(!put(journal, 3))
    }

    @Test("a segment that fails to map is waited for, never skipped or deleted, and read once it maps")
    func aSegmentThatFailsToMapIsKept() throws {
        let dir = try temporaryDirectory("mapfail")
        let fault = Fault()
        var opts = options(dir)  // 4 KiB segments
        opts.io = failing("mmap", fault, errno: ENOMEM)
        let log = LogCapture()
        let journal = try Journal(opts, logger: log.logger)
        defer { journal.close() }
        let perSegment = UInt64(4096 / Self.recordLength)
        let n = 2 * perSegment + 1  // two full segments and one record in a third
        for s in 1...n { #expect(put(journal, s)) }
        // The first segment is being read (mapped); the second was unmapped when sealed.
        expectMessages(journal.take(until: .now + .seconds(1)) ?? [], are: Array(1...perSegment))
        fault.on.store(true, ordering: .relaxed)
        #expect(journal.take(until: .now + .milliseconds(200))?.isEmpty == true)
        #expect(journal.take(until: .now + .milliseconds(200))?.isEmpty == true)
        #expect(log.count(containing: "cannot map the segment") == 1, "logged once:\n\(log.all)")
        journal.settled(through: n)
        #expect(try segmentFiles(dir).contains("0000000000000002.journal"), "the unread segment is kept")
        fault.on.store(false, ordering: .relaxed)
        expectMessages(take(journal, count: Int(n - perSegment)), are: Array((perSegment + 1)...n))
        #expect(log.count(containing: "maps again") == 1)
    }
}

/// What `/readyz` says when the journal stopped taking messages.
@Suite struct JournalReadinessTests {
    @Test func aFailedJournalMakesIngestdNotReadyWithTheFailedCall() {
        let health = Health()
        health.brokerConnected()
        health.brokerSubscribed()
        health.databaseReached()
        #expect(Readiness(health.snapshot, backlogMessages: 0).ready)
        health.journalFailed("journal: fdatasync(/j/0000000000000001.journal) failed: Input/output error (errno 5); not acknowledging messages")
        let readiness = Readiness(health.snapshot, backlogMessages: 3)
        #expect(!readiness.ready)
        #expect(readiness.text.contains("- journal: fdatasync(/j/0000000000000001.journal) failed"), "\(readiness.text)")
    }
}
