import Testing
@testable import IngestCore

/// Rules, observations and a driver for the alert engine suites. Times are seconds after
/// `Fixture.t0`; an observation is received when it was read unless told otherwise.
enum AlertFixture {
    static let t0 = Fixture.t0

    /// `seconds` after t0 (fractions allowed).
    static func at(_ seconds: Double) -> Timestamp {
        Timestamp(microseconds: t0.microseconds + Int64((seconds * 1_000_000).rounded()))
    }

    static func key(_ device: String = "dev1", metric: String = "temperature", family: Family = .sensor) -> SeriesKey {
        SeriesKey(family: family, site: "s1", device: device, metric: metric)
    }

    /// A sensor (or battery) value read at `seconds`, received then unless `receivedAt` says otherwise.
    static func value(_ value: Double, at seconds: Double, device: String = "dev1", metric: String = "temperature",
                      family: Family = .sensor, receivedAt: Double? = nil, route: Int = 0) -> Observation {
        Observation(key: key(device, metric: metric, family: family), time: at(seconds), receivedAt: at(receivedAt ?? seconds),
                    route: route, value: value)
    }

    /// An equipment state changed at `seconds`.
    static func state(_ state: String, at seconds: Double, equipment: String = "press-1", source: String = "tablet-1",
                      seq: Int64 = -1) -> Observation {
        Observation(key: key(equipment, metric: "", family: .equipmentState), time: at(seconds), receivedAt: at(seconds),
                    route: 2, state: state, source: source, seq: seq)
    }

    static func threshold(_ name: String = "temperature_high", metric: String? = "temperature", above: Bool = true,
                          raise: Double, clear: Double, lasting: Duration? = nil, severity: AlertRule.Severity = .warning,
                          family: Family = .sensor) -> AlertRule {
        AlertRule(name: name, severity: severity, family: family, metric: metric,
                  condition: .threshold(AlertRule.Bound(above: above, raise: raise, clear: clear)), lasting: lasting)
    }

    static func rate(_ name: String = "pressure_rising_fast", metric: String? = "pressure", raise: Double, clear: Double,
                     lasting: Duration? = nil) -> AlertRule {
        AlertRule(name: name, severity: .warning, family: .sensor, metric: metric,
                  condition: .rate(AlertRule.Bound(above: true, raise: raise, clear: clear)), lasting: lasting)
    }

    static func stale(_ name: String = "offline", after: Duration = .seconds(60)) -> AlertRule {
        AlertRule(name: name, severity: .warning, family: .sensor, condition: .stale(after: after))
    }

    static func state(rule name: String, _ state: String, lasting: Duration? = nil,
                      severity: AlertRule.Severity = .critical) -> AlertRule {
        AlertRule(name: name, severity: severity, family: .equipmentState, condition: .state(state), lasting: lasting)
    }

    static func anomaly(window: Duration = .seconds(300), k: Double = 4, clearK: Double = 3, minSamples: Int = 30) -> AlertRule {
        AlertRule(name: "value_anomaly", severity: .info, family: .sensor,
                  condition: .anomaly(window: window, k: k, clearK: clearK, minSamples: minSamples))
    }
}

/// An engine driven as the pipeline drives it: each observation is followed by `advance`.
/// Every event is kept in `events`; each call returns the events it produced.
struct EngineRun {
    var engine: AlertEngine
    private(set) var events: [AlertEvent] = []

    init(_ rules: [AlertRule], routes: [String] = IngestConfig.defaultRoutes.map(\.pattern.description)) {
        engine = AlertEngine(rules: rules, routes: routes)
    }

    init(engine: AlertEngine) { self.engine = engine }

    @discardableResult
    mutating func feed(_ o: Observation) -> [AlertEvent] {
        var new: [AlertEvent] = []
        engine.observe(o, into: &new)
        engine.advance(into: &new)
        events += new
        return new
    }

    @discardableResult
    mutating func feed(_ os: [Observation]) -> [AlertEvent] { os.flatMap { feed($0) } }

    /// The clock reaches `seconds` after t0 without a reading (the pipeline idle), then advances.
    @discardableResult
    mutating func clock(_ seconds: Double) -> [AlertEvent] {
        var new: [AlertEvent] = []
        engine.clock(reaches: AlertFixture.at(seconds))
        engine.advance(into: &new)
        events += new
        return new
    }

    @discardableResult
    mutating func advance() -> [AlertEvent] {
        var new: [AlertEvent] = []
        engine.advance(into: &new)
        events += new
        return new
    }
}
