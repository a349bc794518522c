extension WindowAggregator {
    /// Adds a sensor reading: its device and metric are the series. Returns false when it
    /// was late (see `add(_:ts:value:)`).
    public mutating func add(_ reading: SensorReading) -> Bool {
        add(SeriesKey(family: .sensor, site: reading.site, device: reading.device, metric: reading.metric),
            ts: reading.ts, value: reading.value)
    }

    /// Adds every parameter a battery reading holds (voltage, current, temperature, soc, soh),
    /// each a series of the battery. Returns false, and counts the reading in `late` once,
    /// when it was late for any window length.
    public mutating func add(_ reading: BatteryReading) -> Bool {
        guard accepts(.battery) else { return true }
        let t = reading.ts.microseconds
        var inTime = true
        func put(_ metric: String, _ value: Double?) {
            guard let value else { return }
            let key = SeriesKey(family: .battery, site: reading.site, device: reading.battery, metric: metric)
            if !insert(key, ts: t, value: value) { inTime = false }
        }
        put("voltage", reading.voltage)
        put("current", reading.current)
        put("temperature", reading.temperature)
        put("soc", reading.soc)
        put("soh", reading.soh)
        if !inTime { late += 1 }
        return inTime
    }
}
