import Testing
@testable import IngestCore

@Suite struct TopicPatternTests {
    static let plant = "plant/{site}/{line}/sensor/{device}/{metric}"

    func pattern(_ text: String) throws -> TopicPattern { try TopicPattern(text) }

    @Test func capturesNamedLevels() throws {
        let p = try pattern(Self.plant)
        #expect(p.match("plant/berlin/l2/sensor/press-7/temp")
            == ["site": "berlin", "line": "l2", "device": "press-7", "metric": "temp"])
        #expect(p.captureNames == ["site", "line", "device", "metric"])
        #expect(p.description == Self.plant)
    }

    @Test func capturesLevelsHoldingAnyCharacters() throws {
        let p = try pattern("d/{device}")
        #expect(p.match("d/a b.c-ü_{x}") == ["device": "a b.c-ü_{x}"])
    }

    @Test func plusMatchesOneLevelWithoutCapturing() throws {
        let p = try pattern("a/+/c")
        #expect(p.match("a/x/c") == [:])
        #expect(p.match("a/yy/c") == [:])
        #expect(p.match("a/x/y/c") == nil)
        #expect(p.match("a/c") == nil)
        #expect(p.match("a/x/d") == nil)
    }

    @Test func plusMatchesAnEmptyLevelAsMQTTDoes() throws {
        #expect(try pattern("a/+/c").match("a//c") == [:])
    }

    @Test func hashMatchesTheRestAndTheParentLevel() throws {
        let p = try pattern("a/#")
        #expect(p.match("a/b") == [:])
        #expect(p.match("a/b/c/d") == [:])
        #expect(p.match("a/") == [:])
        #expect(p.match("a") == [:])     // MQTT: "a/#" also matches "a"
        #expect(p.match("b") == nil)
        #expect(p.match("b/a") == nil)
        #expect(p.match("ab") == nil)
    }

    @Test func hashAfterCapturesKeepsTheCaptures() throws {
        let p = try pattern("plant/{site}/#")
        #expect(p.match("plant/s1") == ["site": "s1"])
        #expect(p.match("plant/s1/a/b/c") == ["site": "s1"])
        #expect(p.match("plant") == nil)   // the {site} level is missing, not only the rest
    }

    @Test func hashAfterPlusNeedsThePlusLevel() throws {
        let p = try pattern("a/+/#")
        #expect(p.match("a/b") == [:])
        #expect(p.match("a/b/c") == [:])
        #expect(p.match("a") == nil)
    }

    @Test func loneHashMatchesEveryTopic() throws {
        let p = try pattern("#")
        #expect(p.match("x") == [:])
        #expect(p.match("x/y/z") == [:])
    }

    @Test(arguments: [
        "plant/berlin/l2/sensor/press-7",           // too few levels
        "plant/berlin/l2/sensor/press-7/temp/x",    // too many levels
        "plant/berlin/l2/sensor/press-7/temp/",     // a trailing empty level is a level
        "plant/berlin/l2/actuator/press-7/temp",    // literal mismatch
        "Plant/berlin/l2/sensor/press-7/temp",      // literals are case-sensitive
        "plantx/berlin/l2/sensor/press-7/temp",
        "/plant/berlin/l2/sensor/press-7/temp",
        "",
    ])
    func rejectsTopicsThatDoNotFit(topic: String) throws {
        #expect(try pattern(Self.plant).match(topic) == nil)
    }

    @Test(arguments: [
        "plant//l2/sensor/press-7/temp",
        "plant/berlin//sensor/press-7/temp",
        "plant/berlin/l2/sensor//temp",
        "plant/berlin/l2/sensor/press-7/",
    ])
    func rejectsAnEmptyCapturedLevel(topic: String) throws {
        #expect(try pattern(Self.plant).match(topic) == nil)
    }

    @Test func literalOnlyPatternMatchesExactly() throws {
        let p = try pattern("a/b")
        #expect(p.match("a/b") == [:])
        #expect(p.match("a/b/") == nil)
        #expect(p.match("a") == nil)
        #expect(p.match("a/bc") == nil)
    }

    @Test(arguments: [
        (plant, "plant/+/+/sensor/+/+"),
        ("a/+/{x}/#", "a/+/+/#"),
        ("#", "#"),
        ("a/b", "a/b"),
        ("{only}", "+"),
    ])
    func subscriptionFilterTurnsCapturesIntoPlus(text: String, filter: String) throws {
        #expect(try pattern(text).subscriptionFilter == filter)
    }

    @Test(arguments: [
        ("", "the pattern is empty"),
        ("a/#/b", "'#' may only be the last level"),
        ("#/a", "'#' may only be the last level"),
        ("a+b", "mixes a wildcard"),
        ("a/b+", "mixes a wildcard"),
        ("a/b#", "mixes a wildcard"),
        ("a/x{device}", "mixes a wildcard"),
        ("a/{device", "mixes a wildcard"),
        ("a/device}", "mixes a wildcard"),
        ("a/{}", "mixes a wildcard"),
        ("a/{dev-ice}", "may hold only letters, digits and '_'"),
        ("a/{dev ice}", "may hold only letters, digits and '_'"),
        ("a/{d}/b/{d}", "level name 'd' appears twice"),
    ])
    func rejectsInvalidPatterns(text: String, reason: String) {
        do {
            _ = try TopicPattern(text)
            Issue.record("'\(text)' was accepted")
        } catch {
            #expect(error.pattern == text)
            #expect(error.reason.contains(reason), "\(error.reason)")
            #expect(error.description.hasPrefix("invalid topic pattern '\(text)': "))
        }
    }

    @Test func acceptsNamesWithDigitsAndUnderscores() throws {
        let p = try pattern("x/{site_2}/{Line9}")
        #expect(p.match("x/a/b") == ["site_2": "a", "Line9": "b"])
    }
}
