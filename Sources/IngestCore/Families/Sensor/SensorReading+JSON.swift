extension SensorReading: JSONDescribable {
    public var json: String {
        var w = JSONWriter()
        w.field("device", device)
        w.field("metric", metric)
        w.field("ts", ts)
        w.field("value", value)
        if let unit { w.field("unit", unit) }
        if let quality { w.field("quality", quality) }
        if let seq { w.field("seq", seq) }
        return w.finish()
    }
}
