#if canImport(Glibc)
import Glibc
#endif

/// One segment file of the journal: preallocated (so a full disk shows when the segment is
/// created, not as a SIGBUS on a write into the mapping), memory-mapped while the writer or
/// the reader is in it, deleted whole once every message in it is settled.
///
/// - Important: the journal's lock guards `end`, `sequences` and the mapping's lifetime.
final class JournalSegment: @unchecked Sendable {  // shared state is guarded by the journal's lock
    static let suffix = ".journal"

    let index: UInt64
    let path: String
    let capacity: Int
    private let fd: Int32
    private let io: JournalSyscalls
    private(set) var base: UnsafeMutableRawPointer?
    /// Bytes of whole records: what the reader may read.
    var end = 0
    /// The first and last sequence numbers in it; nil while empty.
    var sequences: ClosedRange<UInt64>?
    /// No more appends: the writer moved on (or it was found at start-up).
    var sealed = false
    /// Bytes known to be on disk (fdatasync'd).
    var synced = 0
    /// Records that `take` must skip: settled before a restart.
    var skipThrough: UInt64 = 0
    /// Damaged byte ranges found at start-up, by their start: `take` jumps over them.
    var skips: [Int: Int] = [:]

    static func name(_ index: UInt64) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits + suffix
    }

    /// A new segment of `capacity` bytes, allocated on disk and mapped.
    static func create(directory: String, index: UInt64, capacity: Int, io: JournalSyscalls = .system) throws(JournalError) -> JournalSegment {
        let path = directory + "/" + name(index)
        let fd: Int32
        do {
            fd = try syscall("open", on: path) { Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        } catch {
            throw JournalError("cannot create the segment", error)
        }
        do {
            try syscallReturningError("posix_fallocate", on: path) { posix_fallocate(fd, 0, off_t(capacity)) }
        } catch {
            close(fd)
            unlink(path)
            throw JournalError("cannot allocate \(capacity) bytes", error)
        }
        let segment = JournalSegment(index: index, path: path, capacity: capacity, fd: fd, io: io)
        try segment.map()
        return segment
    }

    /// A segment left by an earlier run, mapped.
    static func open(path: String, index: UInt64, io: JournalSyscalls = .system) throws(JournalError) -> JournalSegment {
        let fd: Int32
        do {
            fd = try syscall("open", on: path) { Glibc.open(path, O_RDWR | O_CLOEXEC) }
        } catch {
            throw JournalError("cannot open the segment", error)
        }
        var st = stat()
        do {
            try syscall("fstat", on: path) { fstat(fd, &st) }
        } catch {
            close(fd)
            throw JournalError("cannot read the segment's size", error)
        }
        let segment = JournalSegment(index: index, path: path, capacity: Int(st.st_size), fd: fd, io: io)
        segment.sealed = true
        if segment.capacity > 0 { try segment.map() }
        return segment
    }

    private init(index: UInt64, path: String, capacity: Int, fd: Int32, io: JournalSyscalls) {
        self.index = index
        self.path = path
        self.capacity = capacity
        self.fd = fd
        self.io = io
    }

    deinit {
        unmap()
        close(fd)
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : capacity) }

    func map() throws(JournalError) {
        guard base == nil, capacity > 0 else { return }
        guard let p = io.mmap(fd, capacity), p != MAP_FAILED else {
            throw JournalError("cannot map the segment", SyscallError(call: "mmap", path: path, errno: errno))
        }
        base = p
    }

    /// Unmapped pages stop counting towards the process's memory; the data stays in the file.
    func unmap() {
        guard let b = base else { return }
        munmap(b, capacity)
        base = nil
    }

    /// Makes the first `upTo` bytes durable. On failure `synced` stays where it was: those
    /// bytes are not durable, and a later success does not make them so (after a failed
    /// writeback the kernel may have dropped the pages: fsync reports an error once).
    func sync(upTo: Int) throws(SyscallError) {
        guard upTo > synced else { return }
        try syscall("fdatasync", on: path) { io.fdatasync(fd) }
        synced = upTo
    }

    func delete() { unlink(path) }
}
