/// The battery excursion of `--excursions`: from `at`, the overheating pack's next
/// `temperatures.count` records carry these temperatures instead of its own: up past 60 °C
/// (ingestd's `battery_overheat` raises), a few readings around 68, down through 58 (between
/// the rule's two limits: the alert stays) to 51.7 (it clears); after that its temperature is
/// the normal one again, under 47. Those turns of the pack are never malformed or
/// corrections, and the pack is never the source of a repeat or a correction, so no reading
/// of it arrives twice or late.
extension BatteryPlan {
    /// Which pack overheats, and when (progress of the run, 0...1).
    struct Overheat {
        var battery: Int
        var at: Double
    }

    /// Where the overheat stands.
    struct Heat {
        /// Records of the overheating pack sent with an excursion temperature.
        var sent = 0
        /// The `ts` of the first reading above 60 (it raises) and of the first one below 55 (it clears).
        var from: Int64?
        var to: Int64?
    }

    /// The excursion's temperatures, one a record.
    static let temperatures = [57.6, 62.4, 66.1, 68.3, 68.0, 67.2, 63.9, 58.4, 51.7]

    /// The manifest entry of the overheat; none without `--excursions`.
    var excursionReports: [Excursion] {
        guard let overheat else { return [] }
        return [Excursion(kind: .overheat, family: Family.battery.manifestKey, site: site, device: "bat\(overheat.battery)",
                          metric: "temperature", rule: "battery_overheat", raises: heat.from == nil ? 0 : 1,
                          clears: heat.to == nil ? 0 : 1, from: heat.from, to: heat.to)]
    }

    /// Whether this turn of `battery` carries an excursion temperature.
    func isHeatTurn(battery: Int, progress: Double) -> Bool {
        guard let overheat, overheat.battery == battery else { return false }
        return heat.sent > 0 ? heat.sent < Self.temperatures.count : progress >= overheat.at
    }

    /// The temperature of the overheating pack's record stamped `ts`.
    mutating func heatSent(ts: Int64) -> Double {
        let temperature = Self.temperatures[heat.sent]
        heat.sent += 1
        if temperature > 60 && heat.from == nil { heat.from = ts }
        if temperature < 55 && heat.from != nil && heat.to == nil { heat.to = ts }
        return temperature
    }
}
