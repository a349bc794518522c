extension OutboundTopics {
    /// A closed window's summary, on `{prefix}agg/{window}/{site}/{device}/{metric}` (a
    /// missing site is `_`); not retained: each window is published once, when it closes.
    public func aggregate(_ summary: WindowSummary) -> OutboundMessage {
        let levels = [summary.window, summary.key.site ?? "", summary.key.device, summary.key.metric].map(Self.level)
        return OutboundMessage(topic: prefix + "agg/" + levels.joined(separator: "/"), payload: summary.json, qos: 1)
    }
}
