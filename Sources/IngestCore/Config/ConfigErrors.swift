/// Every problem found in a config file, in file order: what `ConfigLoader.load` throws.
///
/// Its description holds one line per problem, each as `ConfigError` prints it
/// (`file:line: key 'k': message`), so that one run of `ingestd check-config` names them all.
public struct ConfigErrors: Error, Equatable, Sendable, CustomStringConvertible {
    /// The problems by line, those without one first; problems on one line stay in the order
    /// they were found in. Never empty.
    public let errors: [ConfigError]

    /// Sorts `errors` into file order.
    public init(_ errors: [ConfigError]) {
        precondition(!errors.isEmpty, "a config with no problem is not an error")
        self.errors = errors.enumerated()
            .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            .map(\.element)
    }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
