/// One client connection of `HTTPServer` and where it stands: reading its head until the
/// deadline, writing its one response until the deadline, then lingering (reading and dropping
/// what the client still sends) until it closes or the linger ends. Every phase has a deadline,
/// so that no connection is held for good.
struct HTTPConnection {
    enum Phase {
        case reading(HTTPHeadParser)
        /// The response and how much of it is sent.
        case writing([UInt8], sent: Int)
        case lingering
    }

    let fd: Int32
    let opened: ContinuousClock.Instant
    var phase: Phase
    var deadline: ContinuousClock.Instant

    init(fd: Int32, now: ContinuousClock.Instant, limits: HTTPLimits) {
        self.fd = fd
        opened = now
        phase = .reading(HTTPHeadParser(limits: limits))
        deadline = now + limits.headTimeout
    }

    var isReadingHead: Bool {
        if case .reading = phase { return true }
        return false
    }

    var isLingering: Bool {
        if case .lingering = phase { return true }
        return false
    }

    /// From now on: write `bytes`, within the write deadline.
    mutating func respond(_ bytes: [UInt8], now: ContinuousClock.Instant, limits: HTTPLimits) {
        phase = .writing(bytes, sent: 0)
        deadline = now + limits.writeTimeout
    }
}
