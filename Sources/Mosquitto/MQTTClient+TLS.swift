internal import CMosquitto
#if canImport(Glibc)
import Glibc
#endif

/// TLS for `mqtts://`: the broker's certificate is always verified — against `caFile`, or
/// the operating system's CAs — and so is its host name; a client certificate and key are
/// sent when the broker asks for one.
///
/// Verification has no switch: `mosquitto_tls_insecure_set` and `mosquitto_tls_opts_set`
/// (whose `cert_reqs` 0 turns verification off) are never called, so libmosquitto keeps its
/// defaults, `SSL_VERIFY_PEER` and host name checking (`tls_insecure` false): the broker's
/// certificate must chain to a trusted CA and name the URL's host (subjectAltName or CN).
extension MQTTClient {
    /// Where the operating system keeps its CAs as a hashed folder (Debian's ca-certificates).
    /// libmosquitto takes a client certificate only together with a CA file or folder.
    static let systemCAPath = "/etc/ssl/certs"

    /// Checks that every TLS file in `options` can be opened for reading, and throws an error
    /// naming the first that cannot (and why: missing, permission denied, …), so a mistyped
    /// path stops the start instead of failing every connection attempt later.
    public static func checkTLSFiles(_ options: Options) throws(MosquittoError) {
        guard options.url.tls else { return }
        for (what, path) in [("CA file", options.caFile), ("client certificate", options.certFile), ("client key", options.keyFile)] {
            guard let path else { continue }
            guard let file = fopen(path, "r") else {
                let reason = String(cString: strerror(errno))
                throw MosquittoError(call: "mosquitto_tls_set", code: Int32(MOSQ_ERR_INVAL.rawValue),
                                     message: "cannot read the \(what) '\(path)': \(reason)")
            }
            fclose(file)
        }
        if (options.certFile == nil) != (options.keyFile == nil) {
            throw MosquittoError(call: "mosquitto_tls_set", code: Int32(MOSQ_ERR_INVAL.rawValue),
                                 message: "a client certificate needs both a certificate file and a key file")
        }
    }

    /// Sets up TLS on `h` for `options` (an `mqtts://` URL); see the type's notes on verification.
    func configureTLS(_ h: OpaquePointer, _ options: Options) throws(MosquittoError) {
        try Self.checkTLSFiles(options)
        let files = [options.caFile, options.certFile, options.keyFile].compactMap { $0 }.joined(separator: ", ")
        if options.caFile == nil {
            try check(mosquitto_int_option(h, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "mosquitto_int_option(TLS_USE_OS_CERTS)")
        }
        if options.caFile != nil || options.certFile != nil {
            // Without a CA file the system's CA folder stands in: libmosquitto wants one of them.
            let capath = options.caFile == nil ? Self.systemCAPath : nil
            try check(mosquitto_tls_set(h, options.caFile, capath, options.certFile, options.keyFile, nil),
                      "mosquitto_tls_set", context: files)
        }
    }
}
