extension MachineEvent: JSONDescribable {
    public var json: String {
        var w = JSONWriter()
        w.field("event_id", eventID)
        w.field("machine", machine)
        w.field("event_time", eventTime)
        w.field("duration_ms", durationMs)
        w.field("defect_count", defectCount)
        w.field("received_time", receivedTime)
        return w.finish()
    }
}
