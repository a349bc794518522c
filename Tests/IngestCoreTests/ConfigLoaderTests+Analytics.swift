import Testing
@testable import IngestCore

/// The `analytics:` section and `mqtt.max_outgoing_queue`.
extension ConfigLoaderTests {
    @Test func readsTheSeriesBounds() throws {
        let config = try loader().load(yaml: """
            analytics:
              max_series_per_device: 50
              max_series: 2_000
            mqtt:
              max_outgoing_queue: 500
            """, file: Self.file)
        #expect(config.analytics == SeriesBounds(maxSeriesPerDevice: 50, maxSeries: 2_000))
        #expect(config.mqtt.maxOutgoingQueue == 500)
    }

    @Test func theSeriesBoundsHaveDefaults() throws {
        let config = try loader().load(yaml: "analytics: {}\n", file: Self.file)
        #expect(config.analytics == SeriesBounds(maxSeriesPerDevice: 1_000, maxSeries: 200_000))
        #expect(config.mqtt.maxOutgoingQueue == 100_000)
    }

    @Test func aSeriesBoundOutOfRangeIsNamed() {
        expectAggregatesError("analytics:\n  max_series: 0\n", line: 2, key: "analytics.max_series", message: "expected a number from 1")
        expectAggregatesError("analytics:\n  max_series_per_device: lots\n", line: 2, key: "analytics.max_series_per_device",
                              message: "expected a whole number")
        expectAggregatesError("mqtt:\n  max_outgoing_queue: -1\n", line: 2, key: "mqtt.max_outgoing_queue", message: "expected a number from 1")
    }

    @Test func aSeriesBoundChangeIsReloadedLive() throws {
        let old = IngestConfig()
        var new = old
        new.analytics.maxSeries = 10
        #expect(ConfigReload(from: old, to: new).live == ["analytics"])
        new = old
        new.mqtt.maxOutgoingQueue = 10
        #expect(ConfigReload(from: old, to: new).atRestart == ["mqtt"])
    }
}
