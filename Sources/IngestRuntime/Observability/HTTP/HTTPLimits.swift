/// What one client may cost the HTTP endpoint. Constants, not config keys: they bound an
/// attacker, and no scraper or probe comes near them (a Prometheus scrape sends one head of a
/// few hundred bytes and reads a response of a few KiB within a second).
struct HTTPLimits: Sendable {
    /// Bytes of a request head (request line, header lines, the empty line); more is 431
    /// (414 while still in the request line).
    var headBytes = 8 * 1024
    /// Header lines in a head; more is 431.
    var headerLines = 100
    /// From accept to the end of the head; then 408 and the connection is closed.
    var headTimeout: Duration = .seconds(5)
    /// To write the whole response; a client that does not read it is closed.
    var writeTimeout: Duration = .seconds(5)
    /// After the response, how long what the client still sends is read and dropped before
    /// the close (so that the close does not reset the connection under the response).
    var lingerTimeout: Duration = .seconds(1)
    /// Connections held at once. One more evicts the oldest connection already answered, else
    /// the oldest still sending its head (or, when every one is being written to, is closed at
    /// once with 503): descriptors stay bounded, and a scraper that sends its head at once is
    /// served however many idle connections an attacker opens. (Left in the backlog instead,
    /// a scraper would wait behind every idle connection ahead of it, up to their deadlines.)
    var connections = 256
    /// Connections accepted in one turn of the loop, so that the open ones are served between
    /// bursts of new ones.
    var acceptBurst = 16
}
