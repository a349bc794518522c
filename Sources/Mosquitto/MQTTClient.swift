internal import CMosquitto
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A thin, safe client over one libmosquitto handle, driven by a network thread of its own
/// (`MQTTClient+OwnedLoop.swift`) that also reconnects with backoff.
///
/// - Important: every handler runs on libmosquitto's network thread. `onMessage` must copy
///   what it keeps (the message is only a view of libmosquitto's memory) and may block to
///   apply back-pressure: while it blocks, no further packet is read from the socket. The
///   PUBACK of a QoS 1 message is written only after `onMessage` returned `.accepted`.
///   `publish`, `subscribe` and `disconnect` may be called from any thread.
public final class MQTTClient: @unchecked Sendable {  // libmosquitto in threaded mode serialises access to its handle
    /// How to connect and behave; the defaults suit a persistent QoS 1 consumer.
    public struct Options: Sendable {
        public var url: MQTTURL
        public var clientID: String?
        /// false keeps the session (subscriptions and queued QoS 1 messages) across disconnects.
        public var cleanSession: Bool = false
        public var username: String?
        public var password: String?
        /// A CA bundle for mqtts; nil uses the operating system's CAs. The broker's certificate
        /// and host name are always verified (`MQTTClient+TLS.swift`).
        public var caFile: String?
        /// A client certificate (PEM, may hold its chain) and its unencrypted key, for brokers
        /// that require one (`require_certificate true`); both or neither, mqtts only.
        public var certFile: String?
        public var keyFile: String?
        public var keepaliveSeconds: Int32 = 60
        public var reconnectDelayMin: UInt32 = 1
        public var reconnectDelayMax: UInt32 = 30
        /// Outgoing QoS 1 messages in flight at once (the broker acknowledges them).
        public var maxInflight: UInt32 = 20
        /// Send each packet at once. Off (Nagle on) lets back-to-back PUBACKs share a TCP
        /// segment: measured, this took a third of the network thread's CPU on loopback.
        public var tcpNoDelay = false
        /// The last will: published by the broker if this client vanishes.
        public var will: MQTTMessage?

        public init(url: MQTTURL, clientID: String? = nil) {
            self.url = url
            self.clientID = clientID
        }
    }

    /// Callbacks, all on libmosquitto's network thread.
    public struct Handlers: Sendable {
        public var onMessage: @Sendable (MQTTIncomingMessage) -> MQTTDisposition = { _ in .accepted }
        /// Called with the CONNACK code; 0 is success. Subscribe here: it runs after every reconnect.
        public var onConnect: @Sendable (Int32) -> Void = { _ in }
        /// Called with 0 after `disconnect()`, with an error code when the connection was lost.
        public var onDisconnect: @Sendable (Int32) -> Void = { _ in }
        /// Called when an attempt to connect failed (refused, unreachable, a name that does not
        /// resolve, a TLS handshake or the CONNACK refused), with the reason in words and the
        /// delay before the next attempt.
        public var onConnectFailed: @Sendable (_ reason: String, _ retryIn: Duration) -> Void = { _, _ in }
        /// Called with a message id once the broker has acknowledged a QoS 1 publish.
        public var onPublish: @Sendable (Int32) -> Void = { _ in }
        /// Called with a message id and the granted QoS of each filter once the broker
        /// acknowledged a subscription (SUBACK); 128 is a refusal.
        public var onSubscribe: @Sendable (Int32, [Int32]) -> Void = { _, _ in }
        /// Called with libmosquitto's own error and warning lines: why a TLS handshake failed
        /// ("certificate verify failed", "host name verification failed", the broker asking
        /// for a certificate), which its return codes alone do not say.
        public var onLibraryLog: @Sendable (String) -> Void = { _ in }
        public init() {}
    }

    let handle: OpaquePointer
    let handlers: Handlers
    /// Work handed to the network thread (`onLoop`), and the pipe that wakes it for it.
    let work = Mutex<[@Sendable () -> Void]>([])
    private let wakePipe: (read: Int32, write: Int32) = {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return (-1, -1) }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        return (fds[0], fds[1])
    }()
    var wakeFD: Int32 { wakePipe.read }
    public let options: Options
    private var ownedLoop: OwnedLoop?

    private static let libraryInitialised: Bool = {
        mosquitto_lib_init()
        return true
    }()

    public init(options: Options, handlers: Handlers) throws(MosquittoError) {
        _ = Self.libraryInitialised
        self.options = options
        self.handlers = handlers
        guard let h = mosquitto_new(options.clientID, options.cleanSession, nil) else {
            throw MosquittoError(call: "mosquitto_new", code: -1,
                                 message: "out of memory or invalid client id '\(options.clientID ?? "")' (a persistent session needs a client id)")
        }
        handle = h
        mosquitto_user_data_set(h, Unmanaged.passUnretained(self).toOpaque())
        // Threaded mode: a packet queued from any thread is only queued, and the network thread
        // alone writes it. Without it libmosquitto writes from the publishing thread, and with
        // TLS that is an SSL_write beside the network thread's SSL_read (measured: SIGABRT).
        try check(mosquitto_threaded_set(h, true), "mosquitto_threaded_set")
        try check(mosquitto_int_option(h, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311), "mosquitto_int_option")
        if options.tcpNoDelay {
            try check(mosquitto_int_option(h, MOSQ_OPT_TCP_NODELAY, 1), "mosquitto_int_option(TCP_NODELAY)")
        }
        try check(mosquitto_max_inflight_messages_set(h, options.maxInflight), "mosquitto_max_inflight_messages_set")
        try check(mosquitto_reconnect_delay_set(h, options.reconnectDelayMin, options.reconnectDelayMax, true),
                  "mosquitto_reconnect_delay_set")
        let user = options.username ?? options.url.username
        let pass = options.password ?? options.url.password
        if user != nil || pass != nil {
            try check(mosquitto_username_pw_set(h, user, pass), "mosquitto_username_pw_set")
        }
        if options.url.tls { try configureTLS(h, options) }
        if let will = options.will {
            let rc = will.payload.withUnsafeBytes { raw in
                mosquitto_will_set(h, will.topic, Int32(raw.count), raw.baseAddress, will.qos, will.retain)
            }
            try check(rc, "mosquitto_will_set", context: will.topic)
        }
        mosquitto_message_callback_set(h) { mosq, _, msg in
            guard let msg, let client = MQTTClient.from(mosq) else { return }
            let m = msg.pointee
            let topic = UnsafeRawBufferPointer(start: m.topic, count: m.topic.map { strlen($0) } ?? 0)
            let payload = UnsafeRawBufferPointer(start: m.payload, count: m.payload == nil ? 0 : Int(m.payloadlen))
            let disposition = client.handlers.onMessage(MQTTIncomingMessage(topic: topic, payload: payload, qos: m.qos, retain: m.retain))
            // libmosquitto queued the PUBACK before this callback; only the owned loop writes
            // it, after the callback. Refused: the loop drops the connection unwritten.
            if case .refused = disposition { client.ownedLoop?.requestAbandon() }
        }
        mosquitto_connect_callback_set(h) { mosq, _, rc in
            guard let client = MQTTClient.from(mosq) else { return }
            client.ownedLoop?.setAccepted(rc == 0)
            client.ownedLoop?.setConnack(rc)
            client.handlers.onConnect(rc)
        }
        mosquitto_disconnect_callback_set(h) { mosq, _, rc in
            MQTTClient.from(mosq)?.handlers.onDisconnect(rc)
        }
        mosquitto_publish_callback_set(h) { mosq, _, mid in
            MQTTClient.from(mosq)?.handlers.onPublish(mid)
        }
        mosquitto_log_callback_set(h) { mosq, _, level, text in
            guard level & Int32(MOSQ_LOG_ERR | MOSQ_LOG_WARNING) != 0, let text else { return }
            MQTTClient.from(mosq)?.handlers.onLibraryLog(String(cString: text))
        }
        mosquitto_subscribe_callback_set(h) { mosq, _, mid, count, granted in
            let qos = (0..<Int(count)).map { granted?[$0] ?? 128 }
            MQTTClient.from(mosq)?.handlers.onSubscribe(mid, qos)
        }
    }

    private static func from(_ mosq: OpaquePointer?) -> MQTTClient? {
        guard let mosq, let ud = mosquitto_userdata(mosq) else { return nil }
        return Unmanaged<MQTTClient>.fromOpaque(ud).takeUnretainedValue()
    }

    deinit {
        stop(force: true)
        mosquitto_destroy(handle)
        close(wakePipe.read)
        close(wakePipe.write)
    }

    /// Runs `body` on the network thread, between two reads, and returns at once. Seen with
    /// libmosquitto 2.0.11: QoS 1 publishes queued from another thread while the network
    /// thread handles incoming messages sometimes reached the broker as garbage (it dropped
    /// the connection, "out of memory"); on the network thread the handle is used by one
    /// thread only.
    public func onLoop(_ body: @escaping @Sendable () -> Void) {
        work.withLock { $0.append(body) }
        var one: UInt8 = 1
        _ = write(wakePipe.write, &one, 1)  // full pipe: the loop has a wake-up pending anyway
    }

    /// Sends a message from the network thread (`onLoop`); `sent` gets its message id, or
    /// the error.
    public func send(_ message: MQTTMessage, sent: @escaping @Sendable (Result<Int32, MosquittoError>) -> Void = { _ in }) {
        onLoop { [self] in
            do throws(MosquittoError) {
                sent(.success(try publish(topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain)))
            } catch {
                sent(.failure(error))
            }
        }
    }

    /// Runs the work handed over by `onLoop`; on the network thread. `drainWakeUps` when the
    /// pipe is readable (a read per loop turn would cost a system call per burst for nothing).
    func runPendingWork(drainWakeUps: Bool = false) {
        if drainWakeUps {
            var drain = [UInt8](repeating: 0, count: 256)
            while read(wakePipe.read, &drain, drain.count) == drain.count {}
        }
        let jobs = work.withLock { w in defer { w = [] }; return w }
        guard !jobs.isEmpty else { return }
        for job in jobs { job() }
    }

    /// Starts the network thread, which connects (retrying with backoff while the broker is
    /// not up) and reconnects after a loss; `onConnect` reports each successful connection.
    public func start() {
        let loop = OwnedLoop()
        ownedLoop = loop
        loop.start { [self] in runOwnedLoop(loop) }
    }

    /// Subscribes to a topic filter; returns the message id `onSubscribe` will report.
    @discardableResult
    public func subscribe(_ filter: String, qos: Int32 = 1) throws(MosquittoError) -> Int32 {
        var mid: Int32 = 0
        try check(mosquitto_subscribe(handle, &mid, filter, qos), "mosquitto_subscribe", context: filter)
        return mid
    }

    /// Ends a subscription to a topic filter.
    public func unsubscribe(_ filter: String) throws(MosquittoError) {
        try check(mosquitto_unsubscribe(handle, nil, filter), "mosquitto_unsubscribe", context: filter)
    }

    /// Queues a message for sending and returns its message id.
    ///
    /// At QoS 1 and 2 libmosquitto stores the message before it tries to send it, and sends
    /// it again after a reconnect until the broker acknowledges it: a connection that is down
    /// or lost while publishing is therefore not an error here (publishing again would send
    /// the message twice).
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32 = 0, retain: Bool = false) throws(MosquittoError) -> Int32 {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { raw in
            mosquitto_publish(handle, &mid, topic, Int32(raw.count), raw.baseAddress, qos, retain)
        }
        let queuedForLater = [MOSQ_ERR_NO_CONN, MOSQ_ERR_CONN_LOST, MOSQ_ERR_ERRNO].map { Int32($0.rawValue) }
        if qos > 0 && queuedForLater.contains(rc) { return mid }
        try check(rc, "mosquitto_publish", context: topic)
        return mid
    }

    /// Sends DISCONNECT; the session stays on the broker when `cleanSession` is false.
    public func disconnect() {
        guard let loop = ownedLoop else {
            _ = mosquitto_disconnect(handle)
            return
        }
        loop.requestDisconnect()
        onLoop { [self] in _ = mosquitto_disconnect(handle) }
    }

    /// Waits up to `timeout` for the network thread to end (after `disconnect()`); true if it did.
    public func waitForLoopEnd(timeout: Duration) -> Bool {
        guard let loop = ownedLoop else { return true }
        let deadline = ContinuousClock.now + timeout
        while !loop.finished && ContinuousClock.now < deadline { usleep(10_000) }
        return loop.finished
    }

    /// Waits for the network thread to end (after `disconnect()`), or ends it with `force`.
    public func stop(force: Bool = false) {
        guard let loop = ownedLoop else { return }
        // Give a requested DISCONNECT up to 5 s to go out, then leave regardless.
        var waited = 0
        while !force && loop.disconnectRequested && !loop.finished && waited < 500 {
            usleep(10_000)
            waited += 1
        }
        loop.requestStop()
        loop.join()
        ownedLoop = nil
    }

    /// libmosquitto's words for a `MOSQ_ERR_*` code, e.g. "The connection was lost.".
    public static func errorText(_ code: Int32) -> String {
        String(cString: mosquitto_strerror(code))
    }

    /// libmosquitto's words for a CONNACK code, e.g. "Connection Refused: not authorised.".
    public static func connackReason(_ code: Int32) -> String {
        String(cString: mosquitto_connack_string(code))
    }

    /// libmosquitto's version, e.g. "2.0.11".
    public static var libraryVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, rev: Int32 = 0
        _ = mosquitto_lib_version(&major, &minor, &rev)
        return "\(major).\(minor).\(rev)"
    }
}
