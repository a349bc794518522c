/// One excursion of `--excursions` as the manifest's `excursions` list gives it: what the
/// simulator played outside the normal ranges and the alerts ingestd's rules must raise and
/// clear for it. The counts are those of what was actually sent: an excursion the run cut
/// short says so with fewer raises or clears and a null `to`.
struct Excursion: Codable, Equatable {
    enum Kind: String, Codable {
        /// A battery pack's temperature above 60 °C, then back below 55 °C: `battery_overheat`.
        case overheat
        /// One equipment of a line set red, then green again (one entry per equipment): `line_red`.
        case lineRed = "line_red"
        /// A sensor device publishing nothing for `--silence` seconds: `offline`.
        case silence
        /// A sensor device's metric far outside its normal range for a few readings: `value_anomaly`.
        case drift
    }

    var kind: Kind
    /// ingestd's family name: `sensor`, `battery` or `equipment_state`.
    var family: String
    var site: String
    /// The sensor device (`dev{i}`), battery pack (`bat{i}`) or equipment (`eq{i}`).
    var device: String
    /// The sensor metric (`m{j}`) or battery parameter (`temperature`); null for line_red and silence.
    var metric: String?
    /// The alert rule that must fire, as config/ingestd.yaml names it.
    var rule: String
    /// Alerts the rule must raise and clear for this excursion (1 and 1 when it ran its course).
    var raises: Int
    var clears: Int
    /// Epoch ms. overheat: the `ts` of the first reading above 60 (it raises) and of the first
    /// one below 55 after it (it clears). line_red: the `changed_at` of the red and of the green.
    /// silence: the `ts` of the device's last reading before the silence and of its first one
    /// after (it clears). drift: the `ts` of the first drifting reading (it raises) and of the
    /// last (the alert clears with a drifting reading once the drift weighs on the window's
    /// mean, or at the latest with the device's next reading of that metric).
    var from: Int64?
    var to: Int64?

    enum CodingKeys: String, CodingKey {
        case kind, family, site, device, metric, rule, raises, clears, from, to
    }

    /// Writes `metric`, `from` and `to` as null when they are unset, so every entry has every key.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(family, forKey: .family)
        try c.encode(site, forKey: .site)
        try c.encode(device, forKey: .device)
        try c.encode(metric, forKey: .metric)
        try c.encode(rule, forKey: .rule)
        try c.encode(raises, forKey: .raises)
        try c.encode(clears, forKey: .clears)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
    }
}
