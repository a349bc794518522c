import Testing
@testable import IngestCore

/// A config with several mistakes names them all in one run, in file order, each with its
/// file, line and key.
extension ConfigLoaderTests {
    /// The (line, key) of every error loading `yaml` fails with, in the order reported.
    func places(_ yaml: String, env: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) -> [Place] {
        (loadErrors(yaml, env: env, sourceLocation: sourceLocation) ?? []).map { Place(line: $0.line, key: $0.key) }
    }

    struct Place: Equatable, CustomStringConvertible {
        var line: Int?
        var key: String
        var description: String { "\(line.map(String.init) ?? "-"):\(key)" }
    }

    @Test("errors on lines 2, 3 and 5 are reported as exactly those three, in file order, though mqtt is read before writer")
    func errorsOnSeveralLinesAreAllReportedInFileOrder() throws {
        let yaml = """
            writer:
              batch_size: lots
              method: fast
            mqtt:
              keepalive: 1s
            """
        #expect(places(yaml) == [Place(line: 2, key: "writer.batch_size"), Place(line: 3, key: "writer.method"),
                                 Place(line: 5, key: "mqtt.keepalive")])
        let errors = try #require(loadErrors(yaml))
        #expect(ConfigErrors(errors).description == """
            test.yaml:2: key 'writer.batch_size': expected a whole number, got 'lots'
            test.yaml:3: key 'writer.method': expected one of copy, unnest, got 'fast'
            test.yaml:5: key 'mqtt.keepalive': expected a duration from 5.0 seconds to 3600.0 seconds, got 1s
            """)
    }

    @Test("one error prints exactly as ConfigError does; several print one line each")
    func theDescriptionIsOneLinePerError() {
        let one = ConfigError(file: "a.yaml", line: 4, key: "writer.method", message: "expected one of copy, unnest, got 'fast'")
        #expect(ConfigErrors([one]).description == one.description)
        let two = ConfigError(file: "a.yaml", line: nil, key: "", message: "not valid YAML: x")
        #expect(ConfigErrors([one, two]).description == "\(two)\n\(one)")
    }

    @Test("errors are sorted by line, those without a line first, and errors on one line keep the order they were found in")
    func errorsAreSortedByLineAndStableWithinALine() {
        func e(_ line: Int?, _ key: String) -> ConfigError { ConfigError(file: "f", line: line, key: key, message: "m") }
        #expect(ConfigErrors([e(5, "a"), e(2, "b"), e(5, "c"), e(nil, "d"), e(2, "e")]).errors.map(\.key) == ["d", "b", "e", "a", "c"])
    }

    @Test("errors in mqtt, database, a route, an alert rule and aggregates are all reported")
    func errorsAcrossSectionsAreAllReported() {
        let yaml = """
            mqtt:
              keepalive: 1s
            database:
              migrate_on_start: maybe
            routes:
              - topic: a/{device}/{metric}
                family: sensor
              - topic: b/{device}/{metric}
                family: alarm
            alerts:
              rules:
                - {name: hot, family: sensor, kind: threshold, above: hot}
                - {name: quiet, family: sensor, kind: stale, after: 60s, route: 'b/{device}/{metric}'}
            aggregates:
              windows: [7s]
            """
        // rules[1] names the broken route: it is not blamed for the route's mistake.
        #expect(places(yaml) == [Place(line: 2, key: "mqtt.keepalive"), Place(line: 4, key: "database.migrate_on_start"),
                                 Place(line: 9, key: "routes[1].family"), Place(line: 12, key: "alerts.rules[0].above"),
                                 Place(line: 15, key: "aggregates.windows")])
    }

    @Test("a bad route or rule is left out and the ones after it are still checked")
    func everyBadItemOfAListIsReported() {
        let yaml = """
            routes:
              - {topic: 'a/#/b', family: sensor}
              - {topic: 'a/{device}/{metric}', family: sensor}
              - {topic: 'c/{device}/{metric}', family: battery, format: number}
            alerts:
              rules:
                - {name: a, family: sensor, kind: spike}
                - {name: b, family: sensor, kind: stale}
                - {name: a, family: sensor, kind: stale, after: 60s}
            """
        #expect(places(yaml) == [Place(line: 2, key: "routes[0].topic"), Place(line: 4, key: "routes[2].format"),
                                 Place(line: 7, key: "alerts.rules[0].kind"), Place(line: 8, key: "alerts.rules[1].after"),
                                 Place(line: 9, key: "alerts.rules[2].name")])
    }

    @Test("every unknown key of a section is reported, not only the first")
    func everyUnknownKeyIsReported() {
        #expect(places("writer:\n  batch_sise: 1\n  methd: copy\n  colour: red\n")
                == [Place(line: 2, key: "writer.batch_sise"), Place(line: 3, key: "writer.methd"), Place(line: 4, key: "writer.colour")])
    }

    @Test("an unknown qos gets no hint while urll gets \"did you mean 'url'?\", both in one run")
    func onlyANearMissGetsAHint() throws {
        let errors = try #require(loadErrors("mqtt:\n  qos: 1\n  urll: mqtt://x\n"))
        try #require(errors.count == 2, "\(ConfigErrors(errors))")
        #expect(errors[0].key == "mqtt.qos" && errors[0].line == 2)
        #expect(!errors[0].message.contains("did you mean"), "\(errors[0])")
        #expect(errors[1].key == "mqtt.urll" && errors[1].line == 3)
        #expect(errors[1].message.contains("unknown key (did you mean 'url'?)"), "\(errors[1])")
    }

    @Test("a mistyped required key is reported once, with its hint, not also as missing")
    func aMistypedRequiredKeyIsNotAlsoMissing() {
        #expect(places("routes:\n  - topic: a/{device}/{metric}\n    famly: sensor\n") == [Place(line: 3, key: "routes[0].famly")])
        #expect(places("alerts:\n  rules:\n    - {name: s, family: sensor, kind: stale, afterr: 60s}\n")
                == [Place(line: 3, key: "alerts.rules[0].afterr")])
    }

    @Test("a check across keys is reported along with an unrelated error")
    func aCrossKeyErrorIsReportedWithAnUnrelatedOne() {
        #expect(places("writer:\n  batch_size: 1000\ndedup:\n  window_keys: 999\nlog:\n  level: loud\n")
                == [Place(line: 4, key: "dedup.window_keys"), Place(line: 6, key: "log.level")])
        #expect(places("storage:\n  retention: 3d\nwriter:\n  method: fast\n")
                == [Place(line: 2, key: "storage.retention"), Place(line: 4, key: "writer.method")])
        #expect(places("journal:\n  max_bytes: 10_485_760\n  fsync: never\n")
                == [Place(line: 2, key: "journal.max_bytes"), Place(line: 3, key: "journal.fsync")])
    }

    @Test("a check across keys does not judge a value that is itself wrong: only that value's error is reported")
    func aCrossKeyCheckSkipsAWrongInput() {
        #expect(places("writer:\n  batch_size: 0\ndedup:\n  window_keys: 999\n") == [Place(line: 2, key: "writer.batch_size")])
        #expect(places("writer:\n  batch_size: 300000\ndedup:\n  window_keys: lots\n") == [Place(line: 4, key: "dedup.window_keys")])
        #expect(places("validation:\n  max_age: soon\nstorage:\n  retention: 3d\n") == [Place(line: 2, key: "validation.max_age")])
        #expect(places("validation: 5\nstorage:\n  retention: 3d\n") == [Place(line: 1, key: "validation")])
        #expect(places("journal:\n  segment_bytes: 4096\n  max_bytes: 1_048_576\n") == [Place(line: 2, key: "journal.segment_bytes")])
        // A rule naming a state is not judged against a broken list of states.
        #expect(places("families:\n  equipment_state:\n    states: []\nalerts:\n  rules:\n    - {name: r, family: equipment_state, kind: state, state: red}\n")
                == [Place(line: 3, key: "families.equipment_state.states")])
        #expect(places(rulesYAML("name: a, family: sensor, kind: anomaly, k: lots, clear_k: 3")) == [Place(line: 3, key: "alerts.rules[0].k")])
    }

    @Test("a bound that is not a number is one error, not also a missing bound")
    func aBadBoundIsOneError() {
        #expect(places(rulesYAML("name: a, family: sensor, kind: threshold, above: hot")) == [Place(line: 3, key: "alerts.rules[0].above")])
        #expect(places(rulesYAML("name: a, family: equipment_state, kind: threshold")) == [Place(line: 3, key: "alerts.rules[0].kind")])
    }

    @Test("several errors in one rule are all reported, in the order found")
    func severalErrorsInOneRule() {
        #expect(places(rulesYAML("name: 'a b', family: sensor, kind: stale, after: 60s, for: 10s, severity: loud"))
                == [Place(line: 3, key: "alerts.rules[0].name"), Place(line: 3, key: "alerts.rules[0].severity"),
                    Place(line: 3, key: "alerts.rules[0].for")])
    }

    @Test("a YAML syntax error stops the reading: it is the one error reported")
    func aSyntaxErrorIsReportedAlone() throws {
        let errors = try #require(loadErrors("writer:\n  batch_size: lots\n  method: [unclosed\nlog:\n  level: loud\n"))
        #expect(errors.count == 1, "\(ConfigErrors(errors))")
        #expect(errors.first?.message.hasPrefix("not valid YAML: ") == true)
    }

    @Test("the broker URL check and the other mqtt keys are all reported")
    func aBadBrokerURLIsReportedWithTheRest() throws {
        let checking = ConfigLoader(environment: [:], readFile: { _ in nil },
                                    checkBrokerURL: { $0.hasPrefix("mqtt") ? nil : "unknown scheme" })
        do {
            _ = try checking.load(yaml: "mqtt:\n  url: foo://h\n  cert_file: /c.pem\n  key_file: /k.pem\n  client_id: ''\n", file: Self.file)
            Issue.record("the config loaded")
        } catch {
            // cert_file is not judged against a url that is itself wrong.
            #expect(error.errors.map(\.key) == ["mqtt.url", "mqtt.client_id"], "\(error)")
        }
    }

    /// The rules section with one rule per line, the first on line 3.
    func rulesYAML(_ lines: String...) -> String {
        "alerts:\n  rules:\n" + lines.map { "    - {\($0)}\n" }.joined()
    }
}
