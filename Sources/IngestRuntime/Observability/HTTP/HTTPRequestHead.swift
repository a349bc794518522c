/// A request head as the endpoint needs it: the method, the path (without the query) and the
/// header fields, names lowercased.
struct HTTPRequestHead: Sendable, Equatable {
    var method: String
    var path: String
    var query: String?
    var version: String
    var headers: [(name: String, value: String)]

    static func == (a: HTTPRequestHead, b: HTTPRequestHead) -> Bool {
        a.method == b.method && a.path == b.path && a.query == b.query && a.version == b.version
            && a.headers.map { "\($0.name): \($0.value)" } == b.headers.map { "\($0.name): \($0.value)" }
    }

    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }
}
