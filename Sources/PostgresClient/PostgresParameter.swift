/// One statement parameter: its type oid and its value in PostgreSQL's binary or text format.
public struct PostgresParameter: Sendable {
    public var oid: UInt32
    public var bytes: [UInt8]?
    public var binary: Bool

    public init(oid: UInt32, bytes: [UInt8]?, binary: Bool) {
        self.oid = oid
        self.bytes = bytes
        self.binary = binary
    }

    /// A text parameter whose type the server infers.
    public static func text(_ s: String?) -> PostgresParameter {
        PostgresParameter(oid: 0, bytes: s.map { Array($0.utf8) }, binary: false)
    }
}
