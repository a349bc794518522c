import Testing
@testable import IngestCore

@Suite struct JSONWriterTests {
    func parse(_ text: String) throws -> JSONValue {
        try JSONParser().parse(Array(text.utf8))
    }

    // MARK: Members

    @Test func writesMembersInOrder() {
        var w = JSONWriter()
        w.field("s", "text")
        w.field("i", 42)
        w.field("n", -1.5)
        w.field("b", true)
        w.field("f", false)
        w.field("t", Fixture.t0)
        #expect(w.finish() == #"{"s":"text","i":42,"n":-1.5,"b":true,"f":false,"t":"2026-11-23T08:00:00.000000Z"}"#)
    }

    @Test func anEmptyWriterIsAnEmptyObject() {
        #expect(JSONWriter().finish() == "{}")
    }

    @Test func nilValuesWriteNull() {
        var w = JSONWriter()
        w.field("s", nil as String?)
        w.field("i", nil as Int64?)
        w.field("n", nil as Double?)
        w.field("t", nil as Timestamp?)
        #expect(w.finish() == #"{"s":null,"i":null,"n":null,"t":null}"#)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, .signalingNaN])
    func nonFiniteNumbersWriteNull(value: Double) throws {
        var w = JSONWriter()
        w.field("v", value)
        #expect(w.finish() == #"{"v":null}"#)
        #expect(JSONWriter.encode(.array([.number(value)])) == "[null]")
        #expect(try parse(w.finish())["v"] == .null)
    }

    @Test(arguments: [(12.0, "12"), (-0.5, "-0.5"), (1e20, "1e+20"), (0.1, "0.1"), (-3.0, "-3"), (1e-7, "1e-07")])
    func numbersAreShortAndValidJSON(value: Double, text: String) throws {
        var w = JSONWriter()
        w.field("v", value)
        #expect(w.finish() == #"{"v":\#(text)}"#)
        #expect(try parse(w.finish())["v"] == .number(value))
    }

    @Test func integersAreWrittenExactly() throws {
        var w = JSONWriter()
        w.field("max", Int64.max)
        w.field("min", Int64.min)
        #expect(w.finish() == #"{"max":9223372036854775807,"min":-9223372036854775808}"#)
    }

    // MARK: Escaping

    @Test func escapesQuotesBackslashesAndControlCharacters() {
        #expect(JSONWriter.quoted("a\"b\\c") == #""a\"b\\c""#)
        #expect(JSONWriter.quoted("line\nnext\r\ttab") == #""line\nnext\r\ttab""#)
        #expect(JSONWriter.quoted("\u{0}\u{1}\u{8}\u{c}\u{1f}") == #""\u0000\u0001\u0008\u000c\u001f""#)
    }

    @Test func leavesOtherCharactersAsTheyAre() {
        #expect(JSONWriter.quoted("Grüße 温度 🔋 / ' \u{7f}") == "\"Grüße 温度 🔋 / ' \u{7f}\"")
    }

    @Test func escapesMemberNamesToo() {
        var w = JSONWriter()
        w.field("we\"ird\nname", 1)
        #expect(w.finish() == #"{"we\"ird\nname":1}"#)
    }

    @Test func everyStringRoundTripsThroughTheParser() throws {
        let strings = ["", "plain", "\"quoted\"", "back\\slash", "\u{0}nul", "ctl\u{1}\u{1f}", "\r\n\t",
                       "ünïcödé 温度 🔋", "\u{2028}\u{2029}", "/slash", String(repeating: "x", count: 1000)]
        for s in strings {
            var w = JSONWriter()
            w.field("s", s)
            #expect(try parse(w.finish())["s"] == .string(s), "\(s.debugDescription)")
        }
    }

    // MARK: Nesting

    @Test func nestedJSONTextIsWrittenAsIs() {
        var inner = JSONWriter()
        inner.field("a", 1)
        var w = JSONWriter()
        w.field("inner", json: inner.finish())
        w.field("list", json: "[1,2]")
        #expect(w.finish() == #"{"inner":{"a":1},"list":[1,2]}"#)
    }

    @Test func countsAreAnObjectWithSortedNames() {
        var w = JSONWriter()
        w.field("by_reason", counts: ["wrong_type": 2, "bad_timestamp": 5, "no_route": 1])
        w.field("none", counts: [:])
        #expect(w.finish() == #"{"by_reason":{"bad_timestamp":5,"no_route":1,"wrong_type":2},"none":{}}"#)
    }

    @Test func aParsedValueIsWrittenBackAsText() {
        let value = JSONValue.object([("a", .array([.number(1), .bool(false), .null, .string("x\"y")])),
                                      ("b", .object([])), ("c", .array([]))])
        var w = JSONWriter()
        w.field("v", value: value)
        #expect(w.finish() == #"{"v":{"a":[1,false,null,"x\"y"],"b":{},"c":[]}}"#)
        #expect(JSONWriter.encode(value) == #"{"a":[1,false,null,"x\"y"],"b":{},"c":[]}"#)
    }

    @Test(arguments: [
        #"{"b": 1, "a": [true, false, null, {"x": "y\n\u0001"}], "c": {"d": -1.25e-5, "e": ""}}"#,
        #"[1, "two", [], {}]"#,
        #""just a string with \"quotes\"""#,
        "-0.5",
        "null",
    ])
    func aParsedDocumentRoundTrips(text: String) throws {
        let value = try parse(text)
        #expect(try parse(JSONWriter.encode(value)) == value)
    }

    @Test func aWrittenObjectRoundTripsThroughTheParser() throws {
        var w = JSONWriter()
        w.field("device", "d\"1")
        w.field("value", 21.5)
        w.field("seq", 7)
        w.field("missing", nil as String?)
        w.field("ok", true)
        w.field("ts", Fixture.t0)
        #expect(try parse(w.finish()) == .object([
            ("device", .string("d\"1")), ("value", .number(21.5)), ("seq", .number(7)), ("missing", .null),
            ("ok", .bool(true)), ("ts", .string("2026-11-23T08:00:00.000000Z")),
        ]))
    }

    // MARK: What the families and dead letters write

    @Test func sensorReadingJSONLeavesOutMissingOptionalFields() {
        let r = SensorReading(ts: Fixture.t0, device: "d1", metric: "temp", value: 21.5, receivedAt: Fixture.t0)
        #expect(r.json == #"{"device":"d1","metric":"temp","ts":"2026-11-23T08:00:00.000000Z","value":21.5}"#)
        var full = r
        full.unit = "C"
        full.quality = "good"
        full.seq = 3
        #expect(full.json == #"{"device":"d1","metric":"temp","ts":"2026-11-23T08:00:00.000000Z","value":21.5,"unit":"C","quality":"good","seq":3}"#)
    }

    @Test func machineEventJSONNamesEveryField() {
        let e = MachineEvent(eventID: "e1", machine: "cnc-4", eventTime: Fixture.t0, durationMs: 1_500, defectCount: -1,
                             receivedTime: Fixture.t0 + 1, receivedAt: Fixture.t0 + 2)
        #expect(e.json == #"{"event_id":"e1","machine":"cnc-4","event_time":"2026-11-23T08:00:00.000000Z","duration_ms":1500,"defect_count":-1,"received_time":"2026-11-23T08:00:01.000000Z"}"#)
    }

    @Test func deadLetterJSONCarriesThePayloadAsText() throws {
        let letter = DeadLetter(topic: "a/b", family: "sensor", reasonCode: "wrong_type", reason: "field 'value' …",
                                payload: Array(#"{"value":"x"}"#.utf8), bound: 4096, receivedAt: Fixture.t0)
        let v = try parse(letter.json)
        #expect(v["topic"] == .string("a/b"))
        #expect(v["family"] == .string("sensor"))
        #expect(v["reason_code"] == .string("wrong_type"))
        #expect(v["reason"] == .string("field 'value' …"))
        #expect(v["received_at"] == .string("2026-11-23T08:00:00.000000Z"))
        #expect(v["payload_size"] == .number(13))
        #expect(v["payload"] == .string(#"{"value":"x"}"#))
    }
}
