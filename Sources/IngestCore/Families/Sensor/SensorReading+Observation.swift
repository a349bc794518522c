extension SensorReading {
    /// One value of the series (device, metric).
    public func observe(route: Int, into observations: inout [Observation]) {
        observations.append(Observation(key: SeriesKey(family: .sensor, site: site, device: device, metric: metric),
                                        time: ts, receivedAt: receivedAt, route: route, value: value))
    }
}
