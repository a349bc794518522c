extension BatteryReading {
    /// The numeric parameters of a battery record, in column order: what alerts watch, windows
    /// summarise and the rollups aggregate.
    public static let parameters = ["voltage", "current", "temperature", "soc", "soh"]

    /// One value per parameter the record carries, each a series (battery, parameter), in the
    /// order of `parameters`.
    public func observe(route: Int, into observations: inout [Observation]) {
        let values = [voltage, current, temperature, soc, soh]
        for (i, value) in values.enumerated() {
            guard let value else { continue }
            observations.append(Observation(key: SeriesKey(family: .battery, site: site, device: battery, metric: Self.parameters[i]),
                                            time: ts, receivedAt: receivedAt, route: route, value: value))
        }
    }
}
