/// What one load of a config file has found wrong so far. Each reader reports a problem and
/// goes on: a bad value leaves the default in place, a bad section or list item is skipped,
/// and the rest of the file is still checked.
///
/// - Important: One per load, shared by every `ConfigNode` of it (hence a class), used on
///   the loading thread only.
final class ConfigProblems {
    private(set) var found: [ConfigError] = []

    func report(_ problem: ConfigError) {
        found.append(problem)
    }

    /// Whether a problem was reported at `key` or at a mapping or list that holds it: then the
    /// value read for `key` is a default standing in for a broken one, which a check across
    /// keys must not judge.
    func any(at key: String) -> Bool {
        found.contains { !$0.key.isEmpty && ($0.key == key || key.hasPrefix($0.key + ".") || key.hasPrefix($0.key + "[")) }
    }

    /// Whether a problem was reported at `key` or anywhere under it.
    func any(under key: String) -> Bool {
        found.contains { $0.key == key || $0.key.hasPrefix(key + ".") || $0.key.hasPrefix(key + "[") }
    }
}
