extension BatteryReading: JSONDescribable {
    public var json: String {
        var w = JSONWriter()
        w.field("battery", battery)
        w.field("ts", ts)
        w.field("voltage", voltage)
        w.field("current", current)
        w.field("temperature", temperature)
        w.field("soc", soc)
        w.field("soh", soh)
        w.field("cycles", cycles)
        if let seq { w.field("seq", seq) }
        if let extra { w.field("extra", json: extra) }
        return w.finish()
    }
}
