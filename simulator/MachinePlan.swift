/// Plays machines reporting their cycles through a gateway: topic
/// `PREFIX/SITE/line{k}/machine/mc{i}/events` (k = i % lines), payload one event, or about
/// one message in five a JSON array of 2 to 5 events of that machine:
/// `{"event_id":"mc{i}-{n}","event_time":<ms>,"duration_ms":n,"defect_count":n,"received_time":<ms>}`.
///
/// Machines take turns; `n` counts each machine's cycles. `duration_ms` is 1 s to 2 min,
/// now and then up to 1 h; `defect_count` 0 to 5, or -1 (unknown) in about 5 % of events.
/// `received_time`, the gateway's stamp, strictly increases over everything the plan sends
/// (now, or one millisecond past the last stamp). Besides new events, about 2 % of valid
/// messages are corrections (an earlier event with another `defect_count` and a new,
/// later `received_time`: ingestd updates it) and about 1 % stale copies (a corrected
/// event's first version again, with its first, earlier `received_time`: ingestd ignores
/// it). Each event is corrected at most once and copied stale at most once; corrections and
/// stale copies travel alone, as do malformed events. A duplicate repeats a whole recent
/// message whose events are all at their last version (a repeat of a superseded version
/// would be stale, not a duplicate); stale copies are never repeated. Deterministic for a seed.
struct MachinePlan {
    /// What the database must hold of this family: the manifest's `families.machine_event`.
    struct Report: Codable {
        var messages: Int
        /// Valid events sent, corrections and stale copies included, duplicates not.
        var events: Int
        /// Distinct event_ids among valid events.
        var rows: Int
        /// Duplicate messages, and the events they hold.
        var duplicates: Int
        var duplicateEvents: Int
        /// Corrections sent: each updates its event.
        var updated: Int
        /// Stale copies sent: each must leave its event as corrected.
        var stale: Int
        /// Sum of the final `defect_count` of the events where it is known (>= 0).
        var defectSum: Int
        /// Events whose final `defect_count` is -1.
        var unknownDefects: Int
        var deadLetters: Int
        var malformedByKind: [String: Int]
    }

    /// An event's identity: `mc{machine}-{cycle}`.
    private struct EventKey: Hashable {
        var machine: Int
        var cycle: Int
    }

    /// One version of one event, as sent.
    private struct Event {
        var key: EventKey
        var eventTime: Int64
        var durationMs: Int
        var defects: Int
        var receivedTime: Int64
    }

    /// A valid message recently sent, with the events it holds in their first version.
    private struct Sent {
        var message: PublishPlan.Message
        var originals: [EventKey]
        var eventCount: Int
    }

    static let malformedKinds = ["negative_duration", "duration_too_long", "future_event_time", "bad_json"]
    static let arrayFraction = 0.2
    static let correctionFraction = 0.02
    static let staleFraction = 0.01
    static let unknownDefectFraction = 0.05

    let machines: Int
    let topicPrefix: String
    let site: String
    let lines: Int
    let duplicates: Double
    let malformed: Double
    private var rng: SplitMix64
    private var cycles: [Int]
    private var lastReceivedTime: Int64 = 0
    private var turn = 0
    private var recentMessages = RecentRing<Sent>()
    /// First versions of recent events: where corrections pick from.
    private var recentEvents = RecentRing<Event>()
    private var corrected = Set<EventKey>()
    /// First versions of corrected events not yet copied stale.
    private var staleCandidates: [Event] = []

    private(set) var validMessages = 0
    private(set) var duplicateMessages = 0
    private(set) var duplicateEvents = 0
    private(set) var newEvents = 0
    private(set) var corrections = 0
    private(set) var staleCopies = 0
    private(set) var defectSum = 0
    private(set) var unknownDefects = 0
    private(set) var malformedMessages = 0
    private(set) var malformedByKind: [String: Int] = [:]

    init(machines: Int, topicPrefix: String, site: String, lines: Int, duplicates: Double, malformed: Double, seed: UInt64) {
        self.machines = machines
        self.topicPrefix = topicPrefix
        self.site = site
        self.lines = max(1, lines)
        self.duplicates = duplicates
        self.malformed = malformed
        rng = SplitMix64(seed: seed, stream: Family.machine.stream)
        cycles = Array(repeating: 0, count: machines)
    }

    /// The figures so far, for the manifest.
    var report: Report {
        Report(messages: validMessages + duplicateMessages + malformedMessages, events: newEvents + corrections + staleCopies,
               rows: newEvents, duplicates: duplicateMessages, duplicateEvents: duplicateEvents, updated: corrections,
               stale: staleCopies, defectSum: defectSum, unknownDefects: unknownDefects, deadLetters: malformedMessages,
               malformedByKind: malformedByKind)
    }

    /// The next message to publish; `nowMs` is the wall clock in epoch milliseconds.
    mutating func next(nowMs: Int64) -> PublishPlan.Message {
        let roll = rng.nextDouble()
        if roll < duplicates,
           let index = recentMessages.randomIndex(using: &rng, where: { $0.originals.allSatisfy { !corrected.contains($0) } }) {
            duplicateMessages += 1
            duplicateEvents += recentMessages[index].eventCount
            return recentMessages[index].message
        }
        let machine = turn % machines
        turn += 1
        if roll < duplicates + malformed {
            let kind = Self.malformedKinds[rng.next(below: Self.malformedKinds.count)]
            malformedMessages += 1
            malformedByKind[kind, default: 0] += 1
            return PublishPlan.Message(topic: topic(machine), payload: malformedPayload(kind, machine: machine, nowMs: nowMs))
        }
        validMessages += 1
        let kindRoll = rng.nextDouble()
        if kindRoll < Self.correctionFraction,
           let index = recentEvents.randomIndex(using: &rng, where: { !corrected.contains($0.key) }) {
            let original = recentEvents[index]
            var correction = original
            correction.defects = (original.defects + 2 + rng.next(below: 6)) % 7 - 1 // another of -1...5
            correction.receivedTime = stamp(nowMs)
            corrected.insert(original.key)
            staleCandidates.append(original)
            corrections += 1
            count(original, sign: -1)
            count(correction, sign: 1)
            let message = PublishPlan.Message(topic: topic(original.key.machine), payload: json(correction))
            recentMessages.append(Sent(message: message, originals: [], eventCount: 1))
            return message
        }
        if kindRoll < Self.correctionFraction + Self.staleFraction, !staleCandidates.isEmpty {
            let original = staleCandidates.remove(at: rng.next(below: staleCandidates.count))
            staleCopies += 1
            return PublishPlan.Message(topic: topic(original.key.machine), payload: json(original))
        }
        let n = rng.nextDouble() < Self.arrayFraction ? rng.next(in: 2...5) : 1
        var events: [Event] = []
        for k in 0..<n {
            cycles[machine] += 1
            let longCycle = rng.nextDouble() < 0.03
            let event = Event(key: EventKey(machine: machine, cycle: cycles[machine]),
                              eventTime: nowMs - Int64((n - 1 - k) * 1000 + rng.next(below: 1000)),
                              durationMs: longCycle ? rng.next(in: 120_001...3_600_000) : rng.next(in: 1_000...120_000),
                              defects: rng.nextDouble() < Self.unknownDefectFraction ? -1 : rng.next(in: 0...5),
                              receivedTime: stamp(nowMs))
            events.append(event)
            recentEvents.append(event)
            count(event, sign: 1)
        }
        newEvents += n
        let payload = n == 1 ? json(events[0]) : "[" + events.map(json).joined(separator: ",") + "]"
        let message = PublishPlan.Message(topic: topic(machine), payload: payload)
        recentMessages.append(Sent(message: message, originals: events.map(\.key), eventCount: n))
        return message
    }

    /// The gateway's stamp: strictly increasing over the run.
    private mutating func stamp(_ nowMs: Int64) -> Int64 {
        lastReceivedTime = max(nowMs, lastReceivedTime + 1)
        return lastReceivedTime
    }

    /// Adds (`sign` 1) or removes (-1) an event version's part in the final defect figures.
    private mutating func count(_ event: Event, sign: Int) {
        if event.defects >= 0 { defectSum += sign * event.defects } else { unknownDefects += sign }
    }

    private func topic(_ machine: Int) -> String { "\(topicPrefix)/\(site)/line\(machine % lines)/machine/mc\(machine)/events" }

    private func json(_ e: Event) -> String {
        "{\"event_id\":\"mc\(e.key.machine)-\(e.key.cycle)\",\"event_time\":\(e.eventTime),\"duration_ms\":\(e.durationMs),"
            + "\"defect_count\":\(e.defects),\"received_time\":\(e.receivedTime)}"
    }

    /// A single event ingestd must reject: each one is one dead letter. It takes the
    /// machine's next cycle number, which no valid event will use.
    private mutating func malformedPayload(_ kind: String, machine: Int, nowMs: Int64) -> String {
        cycles[machine] += 1
        let id = "\"event_id\":\"mc\(machine)-\(cycles[machine])\""
        let received = "\"defect_count\":0,\"received_time\":\(stamp(nowMs))"
        return switch kind {
        case "negative_duration": "{\(id),\"event_time\":\(nowMs),\"duration_ms\":-5,\(received)}"
        case "duration_too_long": "{\(id),\"event_time\":\(nowMs),\"duration_ms\":25000000,\(received)}"
        case "future_event_time": "{\(id),\"event_time\":\(nowMs + 3_600_000),\"duration_ms\":30000,\(received)}"
        default: "{\(id),\"event_time\":\(nowMs),\"duration_ms\":"
        }
    }
}
