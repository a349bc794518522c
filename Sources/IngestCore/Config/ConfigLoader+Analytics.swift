extension ConfigLoader {
    /// `analytics:` — how many series the alert engine and the windows follow.
    ///
    ///     analytics:
    ///       max_series_per_device: 1000   # per device name, over every site and line
    ///       max_series: 200000            # of every device together
    func analytics(_ a: ConfigNode) -> SeriesBounds {
        a.rejectUnknownKeys(["max_series_per_device", "max_series"])
        var bounds = SeriesBounds()
        bounds.maxSeriesPerDevice = a.int("max_series_per_device", in: 1...1_000_000) ?? bounds.maxSeriesPerDevice
        bounds.maxSeries = a.int("max_series", in: 1...100_000_000) ?? bounds.maxSeries
        return bounds
    }
}
