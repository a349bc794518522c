extension EquipmentStateChange: JSONDescribable {
    /// Also the payload of the retained `ingestd/state/{site}/{line}/{equipment}` message.
    public var json: String {
        var w = JSONWriter()
        w.field("equipment", equipment)
        w.field("state", state)
        w.field("changed_at", changedAt)
        w.field("worker", worker)
        w.field("source", source)
        w.field("seq", seq)
        w.field("site", site)
        w.field("line", line)
        return w.finish()
    }
}
