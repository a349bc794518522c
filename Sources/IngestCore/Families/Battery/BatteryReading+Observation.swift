extension BatteryReading {
    /// One value per parameter the record carries, each a series (battery, parameter), in the
    /// order of `AlertRule.batteryParameters`.
    public func observe(route: Int, into observations: inout [Observation]) {
        let values = [voltage, current, temperature, soc, soh]
        for (i, value) in values.enumerated() {
            guard let value else { continue }
            observations.append(Observation(key: SeriesKey(family: .battery, site: site, device: battery, metric: AlertRule.batteryParameters[i]),
                                            time: ts, receivedAt: receivedAt, route: route, value: value))
        }
    }
}
