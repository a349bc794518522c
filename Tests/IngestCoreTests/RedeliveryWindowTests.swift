import Testing
@testable import IngestCore

@Suite struct RedeliveryWindowTests {
    func message(_ payload: String, topic: String = "plant/s1/l1/sensor/d1/temp", size: Int? = nil,
                 receivedAt: Int64 = 0) -> InboundMessage {
        InboundMessage(topic: topic, payload: Array(payload.utf8), size: size,
                       receivedAt: Timestamp(microseconds: receivedAt))
    }

    @Test func aNewDigestIsInsertedAndItsRepeatIsNot() {
        var w = RedeliveryWindow(capacity: 4)
        let inserted = [w.insert(1), w.insert(2), w.insert(1)]
        #expect(inserted == [true, true, false])
        #expect(w.count == 2)
    }

    @Test func theOldestDigestIsForgottenFirstOnceFull() {
        var w = RedeliveryWindow(capacity: 3)
        let inserted = [1, 2, 3, 4].map { w.insert($0) }
        #expect(inserted == [true, true, true, true])
        #expect(w.count == 3)
        #expect(!w.contains(1))
        #expect(w.contains(2) && w.contains(3) && w.contains(4))
        w.insert(5)
        #expect(!w.contains(2))
    }

    @Test func aRepeatDoesNotMakeADigestYoungerNorTakeASlot() {
        var w = RedeliveryWindow(capacity: 2)
        w.insert(1)
        w.insert(2)
        let again = w.insert(1)
        #expect(!again)
        w.insert(3)
        #expect(!w.contains(1), "1 is still the oldest")
        #expect(w.contains(2) && w.contains(3))
    }

    @Test func stayingBoundedOverManyDigests() {
        var w = RedeliveryWindow(capacity: 1_000)
        for d in 0..<UInt64(10_000) { w.insert(d &* 0x9E37_79B9_7F4A_7C15) }
        #expect(w.count == 1_000)
        #expect(w.contains(9_999 &* 0x9E37_79B9_7F4A_7C15))
    }

    @Test func theDigestHoldsTopicPayloadAndSizeButNotTheReceiptTime() {
        let d = RedeliveryWindow.digest(of: message("{bad"))
        #expect(RedeliveryWindow.digest(of: message("{bad", receivedAt: 99)) == d)
        #expect(RedeliveryWindow.digest(of: message("{bad", topic: "other")) != d)
        #expect(RedeliveryWindow.digest(of: message("{bae")) != d)
        #expect(RedeliveryWindow.digest(of: message("{bad", size: 1_000_000)) != d, "a cut payload of another size")
    }

    @Test func topicAndPayloadCannotTradeBytes() {
        #expect(RedeliveryWindow.digest(of: message("b", topic: "a")) != RedeliveryWindow.digest(of: message("", topic: "ab")))
    }
}
