import Foundation
import IngestRuntime
import Testing

/// `ingestd query`'s printing, without a database (not part of StackTests: runs anywhere).
@Suite struct ResultFormatterTests {
    static let columns = [
        ResultColumn("site"), ResultColumn("events", .number), ResultColumn("rate", .number),
        ResultColumn("at", .timestamp), ResultColumn("extra", .json),
    ]
    static let rows: [[String?]] = [
        ["s1", "12", "0.5", "2026-11-23 08:15:30.123+00", #"{"a": [1, 2]}"#],
        ["s,2 \"x\"", "3", nil, "2026-11-23 09:00:00+01", nil],
        ["line\nbreak", "-4", "NaN", nil, nil],
    ]

    @Test("JSON: an array of objects, numbers as numbers, NULL and NaN as null, JSON columns as JSON, times in RFC 3339")
    func jsonKeepsTypes() throws {
        let text = ResultFormatter.format(Self.rows, columns: Self.columns, as: .json)
        #expect(text == """
            [
            {"site":"s1","events":12,"rate":0.5,"at":"2026-11-23T08:15:30.123Z","extra":{"a": [1, 2]}},
            {"site":"s,2 \\"x\\"","events":3,"rate":null,"at":"2026-11-23T09:00:00+01:00","extra":null},
            {"site":"line\\nbreak","events":-4,"rate":null,"at":null,"extra":null}
            ]

            """)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(parsed.count == 3)
        #expect(ResultFormatter.format([], columns: Self.columns, as: .json) == "[]\n")
    }

    @Test("CSV: a header, quotes only where needed, NULL empty and the empty string quoted")
    func csvQuotesWhereNeeded() {
        let text = ResultFormatter.format(Self.rows + [["", "0", "1e+20", "infinity", "[]"]], columns: Self.columns, as: .csv)
        #expect(text == #"""
            site,events,rate,at,extra
            s1,12,0.5,2026-11-23T08:15:30.123Z,"{""a"": [1, 2]}"
            "s,2 ""x""",3,,2026-11-23T09:00:00+01:00,
            "line
            break",-4,NaN,,
            "",0,1e+20,infinity,[]

            """#)
    }

    @Test("table: aligned columns, numbers to the right, control characters escaped, the row count")
    func tableAligns() {
        let columns = [ResultColumn("site"), ResultColumn("events", .number), ResultColumn("note")]
        let text = ResultFormatter.format([["s1", "12", "a\tb"], ["site22", "3", nil]], columns: columns, as: .table)
        #expect(text == """
            site    events  note
            ------  ------  ----
            s1          12  a\\tb
            site22       3
            (2 rows)

            """)
        #expect(ResultFormatter.format([], columns: columns, as: .table) == "site  events  note\n----  ------  ----\n(0 rows)\n")
    }

    @Test("PostgreSQL's ISO times become RFC 3339; anything else stays", arguments: [
        ("2026-11-23 08:15:30+00", "2026-11-23T08:15:30Z"),
        ("2026-11-23 08:15:30.123456+00", "2026-11-23T08:15:30.123456Z"),
        ("2026-11-23 08:15:30-05", "2026-11-23T08:15:30-05:00"),
        ("2026-11-23 08:15:30.5+05:30", "2026-11-23T08:15:30.5+05:30"),
        ("infinity", "infinity"),
        ("0044-03-15 12:00:00+00 BC", "0044-03-15 12:00:00+00 BC"),
        ("2026-11-23 08:15:30+00:19:32", "2026-11-23 08:15:30+00:19:32"),
    ])
    func postgresTimesBecomeRFC3339(postgres: String, rfc3339: String) {
        #expect(ResultFormatter.rfc3339(postgres: postgres) == rfc3339)
    }
}
