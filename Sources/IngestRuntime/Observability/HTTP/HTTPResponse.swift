/// One response; every one ends its connection (`Connection: close`): the endpoint serves
/// scrapes and probes, one request per connection is all they need, and no connection
/// outlives its answer.
struct HTTPResponse: Sendable, Equatable {
    var status: HTTPStatus
    var contentType = "text/plain; charset=utf-8"
    var body: [UInt8]
    var extraHeaders: [(String, String)] = []

    init(_ status: HTTPStatus, contentType: String = "text/plain; charset=utf-8", body: [UInt8], extraHeaders: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.extraHeaders = extraHeaders
    }

    init(_ status: HTTPStatus, contentType: String = "text/plain; charset=utf-8", body: String, extraHeaders: [(String, String)] = []) {
        self.init(status, contentType: contentType, body: Array(body.utf8), extraHeaders: extraHeaders)
    }

    /// A refusal: the status and its reason as the body.
    static func refusal(_ status: HTTPStatus) -> HTTPResponse {
        HTTPResponse(status, body: "\(status.rawValue) \(status.reason)\n")
    }

    /// The bytes on the wire; without the body for a HEAD request.
    func encoded(withBody: Bool = true) -> [UInt8] {
        var head = "HTTP/1.1 \(status.rawValue) \(status.reason)\r\n"
        head += "Content-Type: \(contentType)\r\n"
        head += "Content-Length: \(body.count)\r\n"
        for (name, value) in extraHeaders { head += "\(name): \(value)\r\n" }
        head += "Connection: close\r\n\r\n"
        return Array(head.utf8) + (withBody ? body : [])
    }

    static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.contentType == b.contentType && a.body == b.body
            && a.extraHeaders.map { "\($0.0): \($0.1)" } == b.extraHeaders.map { "\($0.0): \($0.1)" }
    }
}
