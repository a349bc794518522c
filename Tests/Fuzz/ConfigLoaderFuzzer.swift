import IngestCore

/// libFuzzer target `config`: a YAML file in. The loader gives a config or every problem of
/// the file, never a crash or a trap (a Double past Int64, Duration arithmetic, an unchecked
/// cast); each problem names the fuzzed file, and the problems come in file order.
@_cdecl("LLVMFuzzerTestOneInput")
public func configLoaderFuzzer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let loader = ConfigLoader(environment: ["DB_PASSWORD": "secret", "CREDENTIALS_DIRECTORY": "/run/credentials/ingestd"],
                              readFile: { _ in "secret" })
    do {
        let config = try loader.load(yaml: text, file: "fuzz.yaml")
        FuzzCheck.require(config.limits.maxFutureSeconds >= 0 && config.limits.maxAgeSeconds > 0, "limits out of range: \(config.limits)")
        FuzzCheck.require(config.writer.batchSize >= 1 && config.writer.retryMin > .zero, "writer out of range")
        FuzzCheck.require(config.journal.maxBytes >= 2 * config.journal.segmentBytes, "journal smaller than two segments")
    } catch {
        FuzzCheck.require(!error.errors.isEmpty, "a refused file with no problem named")
        var last = 0
        for e in error.errors {
            FuzzCheck.require(e.file == "fuzz.yaml", "a problem naming another file: \(e)")
            if let line = e.line {
                FuzzCheck.require(line >= last, "problems out of file order: \(error)")
                last = line
            }
        }
    }
    return 0
}
