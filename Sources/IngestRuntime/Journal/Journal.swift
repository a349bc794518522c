import IngestCore
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The crash-safe inbox: every message is appended to memory-mapped segment files before
/// its PUBACK goes out, and the pipeline reads it back from there. A killed process loses
/// nothing (the page cache keeps what was written); `fsync` bounds what a power cut takes.
/// The checkpoint moves when a batch commits; segments wholly settled are deleted; at
/// start-up what lies past the checkpoint is replayed first. A torn or damaged record costs
/// that record only (`JournalScan`): its bytes are set aside in `damaged/` beside the
/// segments, counted and logged, and the records after it are replayed.
///
/// Every system call goes through `syscall(_:on:_:)`. A failed `fdatasync`, `pwrite` or
/// `fsync` is never taken for durable: the journal stops taking messages (`put` returns
/// false, so ingress drops the connection without acknowledging: the broker keeps them),
/// says so in the log and through `Options.onFailure` (`/readyz`), and stays so until
/// ingestd restarts, since after a failed writeback the kernel reports the error once and
/// may have dropped the pages: a later fsync that succeeds proves nothing about them.
///
/// One thread puts (libmosquitto's), one takes (the pipeline), one settles (the writer).
///
/// - Important: two processes must not share a journal: `open` takes a lock on the directory.
public final class Journal: Inbox, @unchecked Sendable {  // shared state is guarded by `lock`
    public struct Options: Sendable {
        public var directory: String
        public var segmentBytes = 8 << 20
        public var maxBytes = 1 << 30
        public var sync: IngestConfig.Journal.Sync = .interval(.seconds(1))
        /// At most this many messages per `take`: the pipeline's memory stays bounded.
        public var takeLimit = 4_096
        /// Told once, with the reason, when the journal stops taking messages after a failed
        /// write or sync.
        public var onFailure: @Sendable (String) -> Void = { _ in }
        /// The calls that make bytes durable (a test makes one fail).
        var io = JournalSyscalls.system

        public init(directory: String) { self.directory = directory }
    }

    /// What `open` found: replayed messages and damaged records.
    public struct Recovery: Sendable, Equatable {
        public var segments = 0
        public var replay = 0
        /// One line per damaged byte range: where, why, where its bytes were set aside.
        public var cutRecords: [String] = []
        /// Damaged ranges and their bytes, set aside and skipped.
        public var damagedRanges = 0
        public var damagedBytes = 0
        /// Files under `damaged/` holding those bytes.
        public var setAside: [String] = []
    }

    let options: Options
    private let logger: Logger
    private let lock = ConditionLock()
    private let readable: ConditionLock.Condition
    private let roomy: ConditionLock.Condition
    private let checkpoint: JournalCheckpoint
    private let lockFD: Int32

    private var segments: [JournalSegment] = []
    private var writing: JournalSegment?
    private var reading: JournalSegment?
    private var readOffset = 0
    private var nextIndex: UInt64 = 1
    private var totalBytes = 0
    private var lastAppended: UInt64 = 0
    private var settledThrough: UInt64 = 0
    private var intakeClosed = false
    private var takingClosed = false
    private var readerWaiting = false
    private var full = false
    private var syncer: WorkerThread?
    /// Wakes the sync thread to stop.
    private let syncWake: ConditionLock.Condition
    private var stopSyncing = false
    /// The failed call that stopped the journal taking messages; nil while it writes.
    private var failed: SyscallError?
    /// A segment that could not be mapped for reading, logged once until it maps.
    private var unmappable: String?

    /// Why the journal stopped taking messages, or nil.
    public var failure: String? { lock.withLock { failed.map { "\($0)" } } }

    public let recovery: Recovery
    public let resume: (sequence: UInt64, receivedAt: Timestamp)

    /// Opens (or creates) the journal in `options.directory`, checks every record, cuts what
    /// is torn and queues what lies past the checkpoint for `take`.
    public init(_ options: Options, logger: Logger) throws(JournalError) {
        self.options = options
        self.logger = logger
        readable = ConditionLock.Condition(lock)
        roomy = ConditionLock.Condition(lock)
        syncWake = ConditionLock.Condition(lock)
        let dir = options.directory
        if mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw JournalError(dir, "cannot create the journal directory (set journal.path to a writable place)", errno: errno)
        }
        lockFD = open(dir + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw JournalError(dir, "cannot write in the journal directory", errno: errno) }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(lockFD)
            throw JournalError(dir, "another ingestd is using this journal; give each instance its own journal.path")
        }
        checkpoint = try JournalCheckpoint(directory: dir, io: options.io)
        let settled = checkpoint.read() ?? 0
        settledThrough = settled

        var recovery = Recovery()
        var lastSequence = settled
        var lastReceived = Int64(0)
        for (index, path) in try Self.segmentFiles(in: dir) {
            let segment = try JournalSegment.open(path: path, index: index, io: options.io)
            let scan = JournalScan(segment.bytes, settled: settled, after: lastSequence, lastReceivedAt: lastReceived)
            var allSetAside = true
            for d in scan.damage {
                let kept = Self.setAside(segment, d.range, in: dir, logger: logger)
                if let kept { recovery.setAside.append(kept) } else { allSetAside = false }
                recovery.damagedRanges += 1
                recovery.damagedBytes += d.range.count
                recovery.cutRecords.append("\(path) at byte \(d.range.lowerBound): \(d.why); \(d.range.count) bytes "
                                           + (kept.map { "set aside in \($0)" } ?? "not set aside (see the error before)")
                                           + (d.range.upperBound < scan.end ? ", the records after them are replayed" : ""))
                if d.range.upperBound <= scan.end { segment.skips[d.range.lowerBound] = d.range.upperBound }
            }
            segment.sequences = scan.sequences
            lastSequence = scan.lastSequence
            lastReceived = scan.lastReceivedAt
            segment.end = scan.end
            segment.synced = scan.end
            segment.skipThrough = settled
            nextIndex = max(nextIndex, index + 1)
            if scan.unsettled == 0 && allSetAside {
                segment.delete()
                continue
            }
            segment.unmap()
            recovery.segments += 1
            recovery.replay += scan.unsettled
            segments.append(segment)
            totalBytes += segment.capacity
        }
        self.recovery = recovery
        lastAppended = lastSequence
        resume = (lastSequence + 1, Timestamp(microseconds: lastReceived))
        reading = segments.first
        for cut in recovery.cutRecords { logger.error("journal: cut a torn or damaged record: \(cut)") }
        if recovery.damagedRanges > 0 {
            logger.error("journal: \(recovery.damagedRanges) damaged records (\(recovery.damagedBytes) bytes) set aside and skipped",
                         metadata: ["damaged_dir": "\(dir)/damaged"])
        }
        if case .interval(let every) = options.sync {
            syncer = WorkerThread(name: "ingestd-journal-sync") { [self] in syncLoop(every: every) }
        }
    }

    deinit {
        checkpoint.close()
        Glibc.close(lockFD)
    }

    /// Segment files by index, oldest first.
    private static func segmentFiles(in dir: String) throws(JournalError) -> [(UInt64, String)] {
        guard let d = opendir(dir) else { throw JournalError(dir, "cannot list the journal directory", errno: errno) }
        defer { closedir(d) }
        var found: [(UInt64, String)] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasSuffix(JournalSegment.suffix), let index = UInt64(name.dropLast(JournalSegment.suffix.count)) else { continue }
            found.append((index, dir + "/" + name))
        }
        return found.sorted { $0.0 < $1.0 }
    }

    /// Copies a damaged range to `<journal>/damaged/<segment>-<offset>.bin`, synced; the
    /// file's path, or nil (logged) when it cannot be written.
    private static func setAside(_ segment: JournalSegment, _ range: Range<Int>, in dir: String, logger: Logger) -> String? {
        let folder = dir + "/damaged"
        let name = JournalSegment.name(segment.index).dropLast(JournalSegment.suffix.count)
        let path = "\(folder)/\(name)-\(range.lowerBound).bin"
        do {
            if mkdir(folder, 0o700) != 0 && errno != EEXIST { throw SyscallError(call: "mkdir", path: folder, errno: errno) }
            let fd = try syscall("open", on: path) { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600) }
            defer { Glibc.close(fd) }
            try pwriteAll(.system, fd, UnsafeRawBufferPointer(rebasing: segment.bytes[range]), at: 0, path: path)
            try syscall("fsync", on: path) { fsync(fd) }
            return path
        } catch {
            logger.error("journal: cannot set aside damaged bytes: \(error)")
            return nil
        }
    }

    // MARK: Intake (libmosquitto's thread)

    func put(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, size: Int, receivedAt: Timestamp, sequence: UInt64) -> Bool {
        // After a failed write or sync nothing is taken: refused, the message stays at the broker.
        if lock.withLock({ failed != nil }) { return false }
        let need = JournalRecord.length(topic: topic.count, payload: payload.count)
        var segment: JournalSegment
        if let w = writing, w.end + need <= w.capacity {
            segment = w
        } else {
            guard let s = roll(need: need) else { return false }
            segment = s
        }
        let end = JournalRecord.write(into: segment.base!, at: segment.end, sequence: sequence, receivedAt: receivedAt.microseconds,
                                      topic: topic, payload: payload, size: size)
        if case .always = options.sync {
            // Durable before it is readable or acknowledged; on failure it is neither.
            do { try segment.sync(upTo: end) } catch {
                // Refused: a restart must not replay it from the file either (the broker
                // delivers it again), so its length word goes back to 0, the end.
                segment.base!.storeBytes(of: UInt64(0), toByteOffset: segment.end, as: UInt64.self)
                fail(error)
                return false
            }
        }
        lock.lock()
        if intakeClosed {
            lock.unlock()
            return false
        }
        segment.end = end
        segment.sequences = (segment.sequences?.lowerBound ?? sequence)...sequence
        lastAppended = sequence
        if readerWaiting { readable.signal() }
        lock.unlock()
        return true
    }

    /// Stops taking messages for good (this run): the first failure is logged and told.
    private func fail(_ error: SyscallError) {
        let first = lock.withLock { () -> Bool in
            guard failed == nil else { return false }
            failed = error
            roomy.broadcast()
            return true
        }
        guard first else { return }
        let reason = "\(error); not acknowledging messages (they stay at the broker) until ingestd restarts on a journal that can write"
        logger.critical("journal: \(reason)", metadata: ["path": "\(options.directory)"])
        options.onFailure("journal: \(reason)")
    }

    /// Seals the segment being written and starts a new one, waiting while the journal is at
    /// its size bound or the disk is full. Nil once intake is closed.
    private func roll(need: Int) -> JournalSegment? {
        let capacity = max(options.segmentBytes, (need + 4095) & ~4095)
        var diskFullSince: ContinuousClock.Instant?
        lock.lock()
        writing?.sealed = true
        if let w = writing, w !== reading { w.unmap() }
        writing = nil
        while true {
            if intakeClosed || failed != nil {
                lock.unlock()
                return nil
            }
            if totalBytes > 0 && totalBytes + capacity > options.maxBytes {
                if !full {
                    full = true
                    logger.warning("journal full (\(totalBytes) bytes, journal.max_bytes \(options.maxBytes)): stopped reading from the broker, which queues, until the database catches up",
                                   metadata: ["unsettled_messages": "\(lastAppended &- min(lastAppended, settledThrough))"])
                }
                roomy.wait(until: .now + .seconds(1))
                continue
            }
            let index = nextIndex
            lock.unlock()
            do {
                let segment = try JournalSegment.create(directory: options.directory, index: index, capacity: capacity, io: options.io)
                do { try syncDirectory() } catch {
                    fail(error)
                    return nil
                }
                lock.lock()
                nextIndex = index + 1
                segments.append(segment)
                totalBytes += capacity
                writing = segment
                if reading == nil { reading = segment; readOffset = 0 }
                if full {
                    full = false
                    logger.notice("journal has room again: reading from the broker", metadata: ["journal_bytes": "\(totalBytes)"])
                }
                if diskFullSince != nil { logger.notice("journal: the disk has room again; reading from the broker") }
                lock.unlock()
                return segment
            } catch {
                if diskFullSince == nil {
                    diskFullSince = .now
                    logger.error("cannot grow the journal: \(error); stopped reading from the broker, retrying every second")
                }
                lock.lock()
                if !intakeClosed { roomy.wait(until: .now + .seconds(1)) }
            }
        }
    }

    func closeIntake() {
        lock.withLock {
            intakeClosed = true
            roomy.broadcast()
        }
    }

    // MARK: Taking (the pipeline's thread)

    func take(until deadline: ContinuousClock.Instant?) -> [InboundMessage]? {
        lock.lock()
        var segment: JournalSegment
        var available: Int
        while true {
            if takingClosed {
                lock.unlock()
                return nil
            }
            if let r = reading {
                if readOffset < r.end {
                    segment = r
                    available = r.end
                    break
                }
                if r.sealed, let i = segments.firstIndex(where: { $0 === r }), i + 1 < segments.count {
                    if r !== writing { r.unmap() }
                    reading = segments[i + 1]
                    readOffset = 0
                    continue
                }
            } else if let first = segments.first {
                reading = first
                readOffset = 0
                continue
            }
            readerWaiting = true
            let signalled = readable.wait(until: deadline)
            readerWaiting = false
            if !signalled {
                lock.unlock()
                return []
            }
        }
        do { try segment.map() } catch {
            // Unreadable for now: its messages are not skipped (they were acknowledged) and
            // the segment is not deleted (the reader never passed it); tried again next time.
            if unmappable != segment.path {
                unmappable = segment.path
                logger.error("journal: \(error); reading waits until it maps, the segment is kept")
            }
            _ = readable.wait(until: min(deadline ?? .now + .seconds(1), .now + .seconds(1)))
            lock.unlock()
            return []
        }
        if unmappable == segment.path {
            unmappable = nil
            logger.notice("journal: \(segment.path) maps again; reading on")
        }
        let from = readOffset
        lock.unlock()

        var messages: [InboundMessage] = []
        messages.reserveCapacity(min(options.takeLimit, 1024))
        let bytes = UnsafeRawBufferPointer(rebasing: segment.bytes[..<available])
        var offset = from
        while offset < available && messages.count < options.takeLimit {
            if !segment.skips.isEmpty, let past = segment.skips[offset] {
                offset = past  // damaged bytes found at start-up, set aside
                continue
            }
            guard case .record(let h, let next) = JournalRecord.read(bytes, at: offset) else {
                offset = available  // cannot happen: only whole records are published
                break
            }
            offset = next
            if h.sequence <= segment.skipThrough { continue }
            messages.append(InboundMessage(
                topic: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[h.topic]), as: UTF8.self),
                payload: Array(UnsafeRawBufferPointer(rebasing: bytes[h.payload])), size: h.size,
                receivedAt: Timestamp(microseconds: h.receivedAt), sequence: h.sequence))
        }
        lock.withLock { readOffset = offset }
        return messages
    }

    func closeTaking() {
        lock.withLock {
            takingClosed = true
            readable.broadcast()
        }
    }

    // MARK: Settling (the writer's thread)

    func settled(through sequence: UInt64) {
        var done: [JournalSegment] = []
        lock.lock()
        guard sequence > settledThrough else {
            lock.unlock()
            return
        }
        settledThrough = sequence
        let readIndex = reading?.index ?? .max
        segments.removeAll { s in
            guard s.sealed, s !== writing, s.index < readIndex, let seqs = s.sequences, seqs.upperBound <= sequence else { return false }
            done.append(s)
            return true
        }
        totalBytes -= done.reduce(0) { $0 + $1.capacity }
        if !done.isEmpty { roomy.broadcast() }
        lock.unlock()
        do { try checkpoint.write(sequence) } catch { fail(error) }
        for s in done { s.delete() }
    }

    var backlog: InboxBacklog {
        lock.withLock { InboxBacklog(messages: Int(lastAppended &- min(lastAppended, settledThrough)), bytes: totalBytes) }
    }

    // MARK: Durability

    /// Every `interval` until `close()`, which makes the last sync itself.
    private func syncLoop(every interval: Duration) {
        while true {
            syncAll()
            let stop = lock.withLock { () -> Bool in
                if !stopSyncing { syncWake.wait(until: .now + interval) }
                return stopSyncing
            }
            if stop { return }
        }
    }

    /// Makes every written record durable; a failure stops the journal taking messages.
    func syncAll() {
        let pending: [(JournalSegment, Int)] = lock.withLock { segments.filter { $0.end > $0.synced }.map { ($0, $0.end) } }
        do {
            for (segment, end) in pending { try segment.sync(upTo: end) }
            try checkpoint.sync()
        } catch {
            fail(error)
        }
    }

    private func syncDirectory() throws(SyscallError) {
        let dir = options.directory
        let fd = try syscall("open", on: dir) { open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { Glibc.close(fd) }
        try syscall("fsync", on: dir) { options.io.fsync(fd) }
    }

    let isDurable = true

    /// After the pipeline and the writer stopped: the last sync, the files closed.
    public func close() {
        closeIntake()
        closeTaking()
        lock.withLock {
            stopSyncing = true
            syncWake.signal()
        }
        syncer?.join()
        syncer = nil
        syncAll()
        lock.withLock {
            for s in segments { s.unmap() }
        }
    }
}
