import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A GET against ingestd's HTTP endpoint: the status and the body as text; nil when nothing
/// answers within `timeout`.
func httpGet(_ url: String, timeout: Double = 5) -> (status: Int, body: String)? {
    guard let u = URL(string: url) else { return nil }
    var request = URLRequest(url: u)
    request.timeoutInterval = timeout
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: (Int, String)?
    URLSession.shared.dataTask(with: request) { data, response, _ in
        if let http = response as? HTTPURLResponse {
            result = (http.statusCode, data.map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
        done.signal()
    }.resume()
    _ = done.wait(timeout: .now() + timeout + 1)
    return result
}

/// Polls `url` until its status is `status`, for up to `timeout` seconds; the last answer.
func waitForHTTP(_ url: String, status: Int, timeout: Double = 60) -> (status: Int, body: String)? {
    let deadline = Date().addingTimeInterval(timeout)
    var last = httpGet(url)
    while last?.status != status && Date() < deadline {
        usleep(200_000)
        last = httpGet(url)
    }
    return last
}

/// The samples of a Prometheus text exposition, by series (`name{label="v",…}` as written).
func prometheusSamples(_ text: String) -> [String: Double] {
    var out: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        out[String(line[..<space])] = value
    }
    return out
}
