#if canImport(Glibc)
import Glibc
#endif

/// A system call of the journal that failed: which call, on what, and errno. Every call the
/// journal makes goes through `syscall(_:on:_:)`, so that no failure is ignored (as swift-nio's
/// `syscall(where:)` and `IOError`).
public struct SyscallError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The call, e.g. `fdatasync`.
    public var call: String
    /// The file it was about.
    public var path: String
    public var errno: Int32

    public var description: String { "\(call)(\(path)) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// Runs `body`, a system call that returns -1 and sets errno on failure, again after EINTR;
/// throws `SyscallError` naming `call` for any other failure.
@discardableResult
func syscall<T: FixedWidthInteger>(_ call: String, on path: String, _ body: () -> T) throws(SyscallError) -> T {
    while true {
        let result = body()
        guard result == -1 else { return result }
        let code = errno
        if code == EINTR { continue }
        throw SyscallError(call: call, path: path, errno: code)
    }
}

/// For calls that return the error number instead of setting errno (`posix_fallocate`).
func syscallReturningError(_ call: String, on path: String, _ body: () -> Int32) throws(SyscallError) {
    while true {
        let code = body()
        if code == 0 { return }
        if code == EINTR { continue }
        throw SyscallError(call: call, path: path, errno: code)
    }
}

/// The calls by which the journal maps and makes its bytes durable, replaceable in tests to make one
/// fail as a dying disk does (EIO) or a full one (ENOSPC). Each returns as the C call does.
/// (No msync: the segments are shared mappings of their files, whose dirty pages `fdatasync`
/// of the file writes back.)
struct JournalSyscalls: Sendable {
    var fdatasync: @Sendable (Int32) -> Int32 = { Glibc.fdatasync($0) }
    var fsync: @Sendable (Int32) -> Int32 = { Glibc.fsync($0) }
    var pwrite: @Sendable (Int32, UnsafeRawPointer?, Int, off_t) -> Int = { Glibc.pwrite($0, $1, $2, $3) }
    /// `mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)`.
    var mmap: @Sendable (Int32, Int) -> UnsafeMutableRawPointer? = { Glibc.mmap(nil, $1, PROT_READ | PROT_WRITE, MAP_SHARED, $0, 0) }

    static let system = JournalSyscalls()
}

/// Writes all of `bytes` at `offset`: a short write is retried for the rest, and a write
/// that makes no progress is ENOSPC.
func pwriteAll(_ io: JournalSyscalls, _ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: off_t, path: String) throws(SyscallError) {
    var done = 0
    while done < bytes.count {
        let n = try syscall("pwrite", on: path) { io.pwrite(fd, bytes.baseAddress! + done, bytes.count - done, offset + off_t(done)) }
        if n == 0 { throw SyscallError(call: "pwrite", path: path, errno: ENOSPC) }
        done += n
    }
}
