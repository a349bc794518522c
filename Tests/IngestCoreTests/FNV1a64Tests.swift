import Testing
@testable import IngestCore

/// The hash names rows in the database and must never change: the published FNV-1a 64
/// test vectors pin it.
@Suite struct FNV1a64Tests {
    func hash(_ s: String) -> UInt64 {
        var h = FNV1a64()
        h.add(bytes: s.utf8)
        return h.value
    }

    @Test(arguments: [("", 0xCBF2_9CE4_8422_2325), ("a", 0xAF63_DC4C_8601_EC8C), ("foobar", 0x8594_4171_F739_67E8)] as [(String, UInt64)])
    func matchesThePublishedTestVectors(text: String, expected: UInt64) {
        #expect(hash(text) == expected)
    }

    @Test func integersAreAddedLeastSignificantByteFirst() {
        var a = FNV1a64()
        a.add(UInt64(0x0102_0304_0506_0708))
        var b = FNV1a64()
        b.add(bytes: [8, 7, 6, 5, 4, 3, 2, 1] as [UInt8])
        #expect(a.value == b.value)
    }

    @Test func fieldsAreLengthPrefixedSoThatBytesCannotMoveBetweenThem() {
        var a = FNV1a64(), b = FNV1a64()
        a.add(field: "ab"); a.add(field: "c")
        b.add(field: "a"); b.add(field: "bc")
        #expect(a.value != b.value)
    }
}
