import IngestCore

/// libFuzzer target `json`: any bytes through the JSON parser, at the default depth and at the
/// deepest the config allows. Nothing may crash; what parses must be UTF-8 as a whole, no
/// deeper than the bound, and come back unchanged through JSONWriter.
@_cdecl("LLVMFuzzerTestOneInput")
public func jsonParserFuzzer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    for maxDepth in [Limits().maxJSONDepth, 256] {
        do {
            let value = try JSONParser(maxDepth: maxDepth).parse(bytes)
            FuzzCheck.require(String(validating: bytes, as: UTF8.self) != nil, "bytes that are not UTF-8 parsed")
            FuzzCheck.require(depth(value) <= maxDepth, "a value \(depth(value)) deep parsed with a bound of \(maxDepth)")
            let written = JSONWriter.encode(value)
            let again = try? JSONParser(maxDepth: maxDepth).parse(Array(written.utf8))
            FuzzCheck.require(again == finiteOnly(value), "\(written) does not parse back to what was written")
        } catch .invalidUTF8(let offset, _, _) {
            FuzzCheck.require(offset < bytes.count && bytes[offset] >= 0x80, "invalid UTF-8 reported at byte \(offset) of \(bytes.count)")
            FuzzCheck.require(String(validating: bytes, as: UTF8.self) == nil, "valid UTF-8 reported as invalid at \(offset)")
        } catch {
            // Any other refusal is fine: the point is that it is one, not a crash.
        }
    }
    return 0
}

/// How deeply arrays and objects nest in `v` (a scalar is 0).
private func depth(_ v: JSONValue) -> Int {
    switch v {
    case .array(let items): 1 + (items.map(depth).max() ?? 0)
    case .object(let members): 1 + (members.map { depth($0.1) }.max() ?? 0)
    default: 0
    }
}

/// `v` as JSONWriter writes it: numbers JSON cannot hold become null.
private func finiteOnly(_ v: JSONValue) -> JSONValue {
    switch v {
    case .number(let n) where !n.isFinite: .null
    case .array(let items): .array(items.map(finiteOnly))
    case .object(let members): .object(members.map { ($0.0, finiteOnly($0.1)) })
    default: v
    }
}
