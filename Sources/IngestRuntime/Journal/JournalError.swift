#if canImport(Glibc)
import Glibc
#endif

/// Why the journal could not be opened or grown, with what an operator can do about it.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String

    init(_ path: String, _ message: String, errno code: Int32? = nil) {
        self.path = path
        self.message = code.map { message + ": " + String(cString: strerror($0)) } ?? message
    }

    /// A failed call, as what it was for: "cannot map the segment: mmap(…) failed: …".
    init(_ what: String, _ error: SyscallError) {
        self.path = error.path
        self.message = "\(what): \(error.call) failed: \(String(cString: strerror(error.errno)))"
    }

    public var description: String { "journal \(path): \(message)" }

    /// The operation failed for lack of disk space.
    var isDiskFull: Bool { message.hasSuffix(String(cString: strerror(ENOSPC))) }
}
