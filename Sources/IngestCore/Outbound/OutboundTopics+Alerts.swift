extension OutboundTopics {
    /// What an alert's change publishes: the change on `{prefix}alerts/{severity}/{site}/{device}`
    /// (QoS 1), and the open alert retained on `{prefix}alerts/active/{site}/{device}/{subject}`
    /// — emptied (an empty retained message) when it clears, so that a new subscriber sees
    /// exactly what is open now.
    public func alert(_ event: AlertEvent) -> [OutboundMessage] {
        let alert = event.alert
        let site = Self.level(alert.site ?? "")
        let device = Self.level(alert.device)
        let change = OutboundMessage(topic: prefix + "alerts/\(alert.severity.rawValue)/\(site)/\(device)", payload: alert.json, qos: 1)
        let active = prefix + "alerts/active/\(site)/\(device)/\(Self.level(alert.subject))"
        return [change, OutboundMessage(topic: active, payload: alert.isOpen ? alert.json : "", qos: 1, retain: true)]
    }
}
