import Testing
@testable import IngestCore

/// The `aggregates:` section.
extension ConfigLoaderTests {
    /// The settings the `aggregates:` section of `yaml` gives; the defaults when it is absent or empty.
    func aggregates(_ yaml: String) throws(ConfigErrors) -> AggregateSettings {
        try loader().load(yaml: yaml, file: Self.file).aggregates
    }

    /// Checks file, line, key and message of the one error reading `yaml`'s aggregates fails with.
    func expectAggregatesError(_ yaml: String, line: Int, key: String, message: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = loadError(yaml, sourceLocation: sourceLocation) else { return }
        #expect(error.file == Self.file, sourceLocation: sourceLocation)
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        #expect(error.key == key, "\(error)", sourceLocation: sourceLocation)
        #expect(error.message.contains(message), "\(error.message)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("\(Self.file):\(line): key '\(key)': "), "\(error)",
                sourceLocation: sourceLocation)
    }

    // MARK: Values

    @Test func readsEveryAggregateSetting() throws {
        let s = try aggregates("""
            aggregates:
              enabled: false
              windows: [30s, 5m, 1h, 1d]
              grace: 2s
              families: [battery]
            """)
        #expect(s == AggregateSettings(enabled: false, windows: [.seconds(30), .seconds(300), .seconds(3_600), .seconds(86_400)],
                                       grace: .seconds(2), families: [.battery]))
        #expect(s.windows.map(AggregateSettings.label) == ["30s", "5m", "1h", "24h"])
    }

    @Test func aggregateSettingsLeftOutKeepTheirDefaults() throws {
        #expect(try aggregates("aggregates:\n") == AggregateSettings())
        #expect(try aggregates("aggregates:\n  grace: 0s\n") == AggregateSettings(grace: .zero))
        #expect(try aggregates("aggregates:\n  windows:\n    - 15s\n") == AggregateSettings(windows: [.seconds(15)]))
        #expect(try aggregates("aggregates:\n  families: [sensor, sensor]\n").families == [.sensor])
    }

    // MARK: Errors

    @Test func anUnknownAggregateKeyIsNamedWithAHint() {
        expectAggregatesError("aggregates:\n  window: [10s]\n", line: 2, key: "aggregates.window",
                              message: "did you mean 'windows'?")
    }

    @Test func aWindowListNeedsAWindow() {
        expectAggregatesError("aggregates:\n  windows: []\n", line: 2, key: "aggregates.windows", message: "at least one window")
        expectAggregatesError("aggregates:\n  windows: 10s\n", line: 2, key: "aggregates.windows", message: "expected a list")
    }

    /// In a block list, the error names the line of the item that is wrong.
    @Test(arguments: [
        ("soon", "expected a window length such as 10s, 1m or 1h, got 'soon'"),
        ("0s", "expected a window from 1s to 1d, got 0s"),
        ("500ms", "expected a window from 1s to 1d"),
        ("2d", "expected a window from 1s to 1d"),
        ("1.5s", "expected a whole number of seconds"),
        ("7s", "a window of 7s does not divide a day evenly"),
        ("7m", "aligned to midnight UTC"),
        ("1m", "the window 1m is already listed (as 60s)"),
    ])
    func aBadWindowIsNamedWithItsLine(window: String, message: String) {
        expectAggregatesError("aggregates:\n  windows:\n    - 10s\n    - 60s\n    - \(window)\n", line: 5,
                              key: "aggregates.windows", message: message)
    }

    @Test func aGraceOutOfRangeIsAnError() {
        expectAggregatesError("aggregates:\n  grace: 2h\n", line: 2, key: "aggregates.grace",
                              message: "expected a duration from")
        expectAggregatesError("\n\naggregates:\n  grace: later\n", line: 4, key: "aggregates.grace",
                              message: "expected a duration such as")
    }

    @Test func onlySensorAndBatteryReadingsAreAggregated() {
        expectAggregatesError("aggregates:\n  families: [sensor, equipment_state]\n", line: 2, key: "aggregates.families",
                              message: "expected sensor or battery (the families that carry numbers), got 'equipment_state'")
        expectAggregatesError("aggregates:\n  families:\n    - battery\n    - pumps\n", line: 4, key: "aggregates.families",
                              message: "got 'pumps'")
        expectAggregatesError("aggregates:\n  families: []\n", line: 2, key: "aggregates.families",
                              message: "at least one of sensor, battery")
    }

    @Test func enabledIsABool() {
        expectAggregatesError("aggregates:\n  grace: 1s\n  enabled: maybe\n", line: 3, key: "aggregates.enabled",
                              message: "expected true or false, got 'maybe'")
    }
}
