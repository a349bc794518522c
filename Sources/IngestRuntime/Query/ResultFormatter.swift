import IngestCore

/// How `ingestd query` prints its rows.
public enum ResultFormat: String, CaseIterable, Sendable {
    /// Aligned columns under a header, numbers to the right, and the row count.
    case table
    /// RFC 4180 with a header; NULL is an empty field, an empty string is `""`.
    case csv
    /// An array of objects, one per row: numbers as numbers, NULL as null, JSON columns as JSON.
    case json
}

/// Turns rows (PostgreSQL's text, nil for NULL) into text. Pure: no database, no I/O.
///
/// Times are printed in RFC 3339 in every format (`2026-11-23T08:15:30.123Z`), as ingestd
/// writes them elsewhere; the rest is printed as PostgreSQL sent it.
public enum ResultFormatter {
    /// The rows as text in `format`, ending with a newline; a row holds one value per column.
    public static func format(_ rows: [[String?]], columns: [ResultColumn], as format: ResultFormat) -> String {
        switch format {
        case .table: table(rows, columns: columns)
        case .csv: csv(rows, columns: columns)
        case .json: json(rows, columns: columns)
        }
    }

    /// A value as the formats print it: a timestamp becomes RFC 3339, the rest stays.
    static func display(_ value: String, _ kind: ResultColumn.Kind) -> String {
        kind == .timestamp ? rfc3339(postgres: value) : value
    }

    // MARK: table

    static func table(_ rows: [[String?]], columns: [ResultColumn]) -> String {
        let cells = rows.map { row in
            columns.indices.map { i in (i < row.count ? row[i] : nil).map { printable(display($0, columns[i].kind)) } ?? "" }
        }
        let widths = columns.indices.map { i in
            cells.reduce(columns[i].name.count) { max($0, $1[i].count) }
        }
        func line(_ values: [String]) -> String {
            var out = ""
            for (i, v) in values.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - v.count)
                let cell = columns[i].kind == .number ? pad + v : v + pad
                out += i == 0 ? cell : "  " + cell
            }
            // No trailing spaces after the last, left-aligned column.
            while out.last == " " { out.removeLast() }
            return out
        }
        var out = line(columns.map(\.name)) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in cells { out += line(row) + "\n" }
        out += rows.count == 1 ? "(1 row)\n" : "(\(rows.count) rows)\n"
        return out
    }

    /// One line per cell: control characters are shown escaped, as in a JSON string.
    static func printable(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || u.value == 0x7F:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    // MARK: csv

    static func csv(_ rows: [[String?]], columns: [ResultColumn]) -> String {
        var out = columns.map { csvField($0.name) }.joined(separator: ",") + "\n"
        for row in rows {
            out += columns.indices.map { i in
                guard i < row.count, let v = row[i] else { return "" }
                return csvField(display(v, columns[i].kind))
            }.joined(separator: ",") + "\n"
        }
        return out
    }

    /// A CSV field, quoted when it must be: a comma, quote or line break, spaces at either end,
    /// or an empty string (so that it differs from NULL, as in PostgreSQL's COPY).
    static func csvField(_ s: String) -> String {
        let mustQuote = s.isEmpty || s.first == " " || s.last == " "
            || s.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard mustQuote else { return s }
        var out = "\""
        for c in s {
            out.append(c)
            if c == "\"" { out.append("\"") }
        }
        return out + "\""
    }

    // MARK: json

    static func json(_ rows: [[String?]], columns: [ResultColumn]) -> String {
        guard !rows.isEmpty else { return "[]\n" }
        let objects = rows.map { row in
            var w = JSONWriter()
            for (i, column) in columns.enumerated() {
                let value = i < row.count ? row[i] : nil
                switch (column.kind, value) {
                case (_, nil):
                    w.field(column.name, nil as String?)
                case (.number, let v?):
                    if isJSONNumber(v) {
                        w.field(column.name, json: v)
                    } else if ["nan", "infinity", "-infinity"].contains(v.lowercased()) {
                        // JSON has no NaN or infinity; JSONWriter writes them as null too.
                        w.field(column.name, nil as String?)
                    } else {
                        w.field(column.name, v)
                    }
                case (.json, let v?):
                    // jsonb's text is JSON already.
                    w.field(column.name, json: v)
                case (let kind, let v?):
                    w.field(column.name, display(v, kind))
                }
            }
            return w.finish()
        }
        return "[\n" + objects.joined(separator: ",\n") + "\n]\n"
    }

    /// Whether `s` is a JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isJSONNumber(_ s: String) -> Bool {
        let b = Array(s.utf8)
        var i = 0
        func digits() -> Int {
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            return i - start
        }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "0") {
            i += 1
        } else if digits() == 0 {
            return false
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == b.count
    }

    // MARK: times

    /// PostgreSQL's ISO text of a timestamptz (`2026-11-23 08:15:30.123+00`,
    /// `… +05:30`) as RFC 3339 (`2026-11-23T08:15:30.123Z`, `…+05:30`). Anything else
    /// (`infinity`, BC dates, an offset with seconds) stays as it is.
    public static func rfc3339(postgres text: String) -> String {
        let b = Array(text.utf8)
        func isDigit(_ i: Int) -> Bool { i < b.count && b[i] >= 0x30 && b[i] <= 0x39 }
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy(isDigit) }
        // yyyy-mm-dd hh:mm:ss
        guard b.count >= 22, digits(0..<4), b[4] == UInt8(ascii: "-"), digits(5..<7), b[7] == UInt8(ascii: "-"),
              digits(8..<10), b[10] == UInt8(ascii: " "), digits(11..<13), b[13] == UInt8(ascii: ":"),
              digits(14..<16), b[16] == UInt8(ascii: ":"), digits(17..<19) else { return text }
        var i = 19
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { return text }
            while isDigit(i) { i += 1 }
        }
        guard i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), digits(i + 1..<i + 3) else { return text }
        let stamp = String(decoding: b[0..<10], as: UTF8.self) + "T" + String(decoding: b[11..<i], as: UTF8.self)
        let sign = String(decoding: b[i..<i + 1], as: UTF8.self)
        let hours = String(decoding: b[i + 1..<i + 3], as: UTF8.self)
        var minutes = "00"
        if i + 3 == b.count {
            // +hh
        } else if i + 6 == b.count, b[i + 3] == UInt8(ascii: ":"), digits(i + 4..<i + 6) {
            minutes = String(decoding: b[i + 4..<i + 6], as: UTF8.self)
        } else {
            return text
        }
        if hours == "00" && minutes == "00" { return stamp + "Z" }
        return stamp + sign + hours + ":" + minutes
    }
}
