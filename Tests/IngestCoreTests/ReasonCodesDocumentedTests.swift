import Foundation
import Testing
@testable import IngestCore

/// Every reason code a dead letter can carry is in the README's table of codes: dashboards
/// and ops scripts filter on them, and a new code must not ship undocumented.
@Suite struct ReasonCodesDocumentedTests {
    /// One value of every `RejectReason` case (a new case fails to compile the switch in
    /// `code`, not this list: add it here too).
    static let everyReason: [RejectReason] = [
        .noRoute, .payloadTooLarge(size: 2, limit: 1), .malformedJSON(.unexpectedEnd),
        .malformedJSON(.tooDeep(limit: 8)), .malformedJSON(.duplicateKey("a", offset: 0)),
        .malformedJSON(.invalidUTF8(offset: 0, path: "device", inName: false)), .notANumber,
        .batchTooLong(count: 2, limit: 1), .emptyBatch, .notAnObject(got: "a string"), .missingField("ts"),
        .wrongType(field: "seq", expected: "an integer", got: "a string"), .notFinite(field: "value"),
        .badTimestamp("x"), .timestampInFuture(Timestamp(microseconds: 0), limitSeconds: 1),
        .timestampTooOld(Timestamp(microseconds: 0), limitSeconds: 1),
        .stringTooLong(field: "device", length: 2, limit: 1), .emptyString(field: "device"),
        .nulCharacter(field: "device"), .controlCharacter(field: "device", byte: 1),
        .wildcardCharacter(field: "device", character: "+"), .invalidUTF8(field: "device", offset: 0),
        .invalidUTF8InTopic(field: "device"), .identityMismatch(field: "site", payload: "s9", topic: "s1"),
        .receivedTimeOutOfBounds(Timestamp(microseconds: 0), bound: Timestamp(microseconds: 0), limitSeconds: 1, early: false),
        .outOfRange(field: "soc", value: 180, range: 0...100), .unknownState("blue", known: ["green"]),
        .unknownEquipment("press9"),
    ]

    /// The codes the writer gives rows the database refused (not a `RejectReason`).
    static let writerCodes = ["database_refused"]

    static var readme: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }

    @Test func everyReasonCodeHasARowInTheReadmeTable() {
        let readme = Self.readme
        #expect(!readme.isEmpty, "README.md not found beside Tests/")
        // A table row of the codes starts with `| `code`` (several codes may share a row).
        let rows = readme.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("| `") }
        for code in Set(Self.everyReason.map(\.code) + Self.writerCodes) {
            #expect(rows.contains { $0.split(separator: "|").first?.contains("`\(code)`") ?? false },
                    "reason code \(code) has no row in the README's table of reason codes")
        }
    }
}
