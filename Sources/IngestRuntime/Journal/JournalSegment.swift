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

    static func name(_ index: UInt64) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits + suffix
    }

    /// A new segment of `capacity` bytes, allocated on disk and mapped.
    static func create(directory: String, index: UInt64, capacity: Int) throws(JournalError) -> JournalSegment {
        let path = directory + "/" + name(index)
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError(path, "cannot create the segment", errno: errno) }
        let rc = posix_fallocate(fd, 0, off_t(capacity))
        if rc != 0 {
            close(fd)
            unlink(path)
            throw JournalError(path, "cannot allocate \(capacity) bytes", errno: rc)
        }
        let segment = JournalSegment(index: index, path: path, capacity: capacity, fd: fd)
        try segment.map()
        return segment
    }

    /// A segment left by an earlier run, mapped.
    static func open(path: String, index: UInt64) throws(JournalError) -> JournalSegment {
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError(path, "cannot open the segment", errno: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw JournalError(path, "cannot read the segment's size", errno: errno)
        }
        let segment = JournalSegment(index: index, path: path, capacity: Int(st.st_size), fd: fd)
        segment.sealed = true
        if segment.capacity > 0 { try segment.map() }
        return segment
    }

    private init(index: UInt64, path: String, capacity: Int, fd: Int32) {
        self.index = index
        self.path = path
        self.capacity = capacity
        self.fd = fd
    }

    deinit {
        unmap()
        close(fd)
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : capacity) }

    func map() throws(JournalError) {
        guard base == nil, capacity > 0 else { return }
        guard let p = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw JournalError(path, "cannot map the segment", errno: errno)
        }
        base = p
    }

    /// Unmapped pages stop counting towards the process's memory; the data stays in the file.
    func unmap() {
        guard let b = base else { return }
        munmap(b, capacity)
        base = nil
    }

    /// Makes the first `upTo` bytes durable.
    func sync(upTo: Int) {
        guard upTo > synced else { return }
        fdatasync(fd)
        synced = upTo
    }

    func delete() { unlink(path) }
}
