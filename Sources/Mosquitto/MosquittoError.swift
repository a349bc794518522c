internal import CMosquitto

/// A libmosquitto call that failed, with the call's name and libmosquitto's own words.
public struct MosquittoError: Error, CustomStringConvertible, Sendable {
    /// The libmosquitto function that failed, e.g. `mosquitto_connect_async`.
    public let call: String
    /// The `MOSQ_ERR_*` code it returned.
    public let code: Int32
    /// `mosquitto_strerror(code)`, plus context where the call has some.
    public let message: String

    public var description: String { "\(call) failed: \(message) (code \(code))" }
}

/// Throws a `MosquittoError` naming `call` unless `rc` is `MOSQ_ERR_SUCCESS`.
@inline(__always)
func check(_ rc: Int32, _ call: String, context: String = "") throws(MosquittoError) {
    guard rc != Int32(MOSQ_ERR_SUCCESS.rawValue) else { return }
    var text = String(cString: mosquitto_strerror(rc))
    if !context.isEmpty { text += " (\(context))" }
    throw MosquittoError(call: call, code: rc, message: text)
}
