import IngestCore

/// What the four decoder targets share: the input's first byte picks one of the family's
/// topics (`@` where the fuzzed level goes), the rest is split by `FuzzCheck.message`, and
/// the message goes through `MessageProcessor` as ingestd would route it.
struct FamilyFuzzer {
    let processor: MessageProcessor
    let topics: [String]
    let limits = Limits()

    /// Routes the family at `patterns` with the default limits.
    init(_ family: Family, patterns: [(pattern: String, format: PayloadFormat)], topics: [String]) {
        processor = MessageProcessor(routes: patterns.map { Route(pattern: try! TopicPattern($0.pattern), family: family, format: $0.format) },
                                     limits: Limits())
        self.topics = topics
    }

    /// Processes one input and checks its fate; `check` sees each record with the payload.
    func run(_ data: UnsafePointer<UInt8>?, _ size: Int, check: (Any, [UInt8]) -> Void) {
        guard let data, size > 0 else { return }
        let topic = topics[Int(data[0]) % topics.count]
        let rest = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
        let (message, payload) = FuzzCheck.message(rest, topic: { topic.replacing("@", with: $0) }, fallback: "d1", now: FuzzCheck.now)
        let result = processor.process(message, now: FuzzCheck.now)
        FuzzCheck.fate(result, limits: limits)
        if !result.records.isEmpty {
            FuzzCheck.require(String(validating: payload, as: UTF8.self) != nil || payload.first.map { $0 != UInt8(ascii: "{") && $0 != UInt8(ascii: "[") } == true,
                              "a JSON payload that is not UTF-8 gave records")
        }
        for record in result.records { check(record, payload) }
    }
}
