extension WindowSummary {
    /// The message published on `{prefix}agg/{window}/{site}/{device}/{metric}`.
    public var json: String {
        var w = JSONWriter()
        w.field("window", window)
        w.field("site", key.site)
        w.field("device", key.device)
        w.field("metric", key.metric)
        w.field("family", key.family.rawValue)
        w.field("start", start)
        w.field("end", end)
        w.field("count", count)
        w.field("min", min)
        w.field("max", max)
        w.field("avg", avg)
        w.field("last", last)
        w.field("last_ts", lastTs)
        return w.finish()
    }
}
