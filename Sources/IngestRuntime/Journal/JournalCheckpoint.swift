import IngestCore
#if canImport(Glibc)
import Glibc
#endif

/// The journal's checkpoint file: the sequence number up to which every message is settled
/// (its rows or dead letter committed). Sixteen bytes: the sequence and a CRC-32C of it,
/// rewritten in place. Lost or damaged, it reads as 0 and everything still in the journal is
/// replayed: writes are idempotent, so that costs time, never correctness.
struct JournalCheckpoint {
    let path: String
    private let fd: Int32
    private let io: JournalSyscalls

    init(directory: String, io: JournalSyscalls = .system) throws(JournalError) {
        let path = directory + "/checkpoint"
        self.path = path
        self.io = io
        do {
            fd = try syscall("open", on: path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        } catch {
            throw JournalError("cannot open the checkpoint", error)
        }
    }

    func close() { _ = Glibc.close(fd) }

    /// The stored sequence, or nil when the file is empty or damaged.
    func read() -> UInt64? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 16, 0) }
        guard n == 16 else { return nil }
        return buffer.withUnsafeBytes { b -> UInt64? in
            let crc = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<8])) == crc else { return nil }
            return UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        }
    }

    func write(_ sequence: UInt64) throws(SyscallError) {
        var buffer = [UInt8](repeating: 0, count: 16)
        buffer.withUnsafeMutableBytes { b in
            b.storeBytes(of: sequence.littleEndian, toByteOffset: 0, as: UInt64.self)
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<8]))
            b.storeBytes(of: crc.littleEndian, toByteOffset: 8, as: UInt32.self)
        }
        var failure: SyscallError?
        buffer.withUnsafeBytes { b in
            do throws(SyscallError) { try pwriteAll(io, fd, b, at: 0, path: path) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    func sync() throws(SyscallError) { try syscall("fdatasync", on: path) { io.fdatasync(fd) } }
}
