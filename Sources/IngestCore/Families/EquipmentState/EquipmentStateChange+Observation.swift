extension EquipmentStateChange {
    /// The equipment's state at `changedAt`, keyed on (site, line, equipment) as the
    /// current-state table is; whether it is the current one is decided as that table
    /// decides it (`supersedes`).
    public func observe(route: Int, into observations: inout [Observation]) {
        observations.append(Observation(key: SeriesKey(family: .equipmentState, site: site, line: line, device: equipment, metric: ""),
                                        time: changedAt, receivedAt: receivedAt, route: route, state: state, source: source,
                                        seq: seq ?? -1))
    }
}
