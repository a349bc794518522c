/// Plays the magnet boards of equipment, set by workers on tablets: topic
/// `PREFIX/SITE/line{k}/equipment/eq{i}/state` (k = i % lines), payload
/// `{"state":"green"|"yellow"|"red","changed_at":"<RFC 3339 UTC, ms>","worker":"w{n}","source":"tab{t}","seq":n}`,
/// `seq` counting each tablet's changes.
///
/// Equipment takes turns (round robin). Equipment i is set by tablet `i % tablets`; every
/// fourth one (i % 4 == 1, with two tablets or more) is shared with tablet `(i + 1) % tablets`,
/// and after a change there the other tablet disagrees about three times in ten, at the
/// next change (a close but later `changed_at`). The first two shared equipment instead get
/// one exact tie each: both tablets set a colour at the same `changed_at`, the higher source
/// name winning with green, the other setting yellow; the first tie sends the winner first,
/// the second sends it last (unless the tablet is offline then), and neither equipment
/// changes again, so the tie decides its final state (green: it is never left yellow).
///
/// The normal play sets green and yellow only, each change the other colour than the last,
/// so an equipment is never red and stays yellow for a few rounds of the board at most.
///
/// Tablets go offline for 10 to 60 changes (counted over the whole plan, so that the run
/// is the same for a seed at any rate) after 5 to 50 changes, then after 100 to 400 more;
/// one tablet stays online. An offline tablet queues its changes and, once back, publishes
/// them first, in order, with their original `changed_at`: older than what other tablets
/// set meanwhile. Changes queued when the run ends are never sent and count nowhere.
///
/// `changed_at` comes from one clock per equipment (now, or one millisecond past its last
/// change), so changes of one equipment never share a `changed_at` except in the ties, and
/// strictly increase per (equipment, source). Deterministic for a seed.
///
/// With excursions (`EquipmentPlan+LineRed.swift`), every equipment of one line goes red,
/// then green again; they are never the source of a repeat.
struct EquipmentPlan {
    /// What the database must hold of this family: the manifest's `families.equipment_state`.
    struct Report: Codable {
        var messages: Int
        /// Distinct (equipment, changed_at, source) among valid messages: each valid message is one.
        var historyRows: Int
        var duplicates: Int
        /// Valid changes published late by a tablet that was offline.
        var replayed: Int
        var deadLetters: Int
        var malformedByKind: [String: Int]
        /// Per equipment (`eq{i}`) that got a valid change, the change that must be current.
        var current: [String: CurrentState]
    }

    /// The change that wins for one equipment: the greatest (changed_at, source, seq).
    struct CurrentState: Codable {
        var state: String
        var changedAtMs: Int64
        var source: String
        var seq: Int
    }

    /// One change of one equipment's colour, made on one tablet.
    struct Change {
        var equipment: Int
        var tablet: Int
        /// An index into `states`.
        var state: Int
        var changedAtMs: Int64
        var worker: Int
        var seq: Int
    }

    /// One tablet: its change counter and its connection.
    private struct Tablet {
        var seq = 0
        var online = true
        /// The change count at which it goes offline or comes back.
        var toggleAt: Int
        /// Changes made while offline, and after, until all of them are published.
        var queue: [Change] = []
    }

    /// A change the other tablet of a shared equipment makes next: a disagreement, or the
    /// second half of a tie (`changedAtMs` given).
    private struct FollowUp {
        var equipment: Int
        var tablet: Int
        var changedAtMs: Int64?
        /// The colour of a tie's second half.
        var tieState = EquipmentPlan.green
    }

    /// The colours: the normal play uses the first two, the excursion red.
    static let states = ["green", "yellow", "red"]
    static let green = 0, yellow = 1, red = 2
    static let malformedKinds = ["unknown_state", "bad_json", "bad_changed_at", "identity_mismatch"]
    static let disagreementFraction = 0.3
    static let ties = 2

    let equipment: Int
    let tablets: Int
    let topicPrefix: String
    let site: String
    let lines: Int
    let duplicates: Double
    let malformed: Double
    private var rng: SplitMix64
    private var tabletStates: [Tablet] = []
    private var lastChangedAt: [Int64]
    private var lastState: [Int?]
    /// Shared equipment whose tie is still to come, in order.
    private var tiesPending: [Int]
    private var tiesMade = 0
    /// Equipment whose tie came: no further changes, so the tie stays current.
    private var frozen = Set<Int>()
    private var followUps: [FollowUp] = []
    private var turn = 0
    private var changesMade = 0
    /// Valid messages recently sent, with their equipment: what duplicates repeat.
    private var recent = RecentRing<(equipment: Int, message: PublishPlan.Message)>()
    private var current: [Int: Change] = [:]
    /// The line that goes red and when; nil without `--excursions`.
    let lineRed: LineRed?
    /// Where the red line stands (`EquipmentPlan+LineRed.swift`).
    var redLine = RedLine()

    private(set) var validMessages = 0
    private(set) var duplicateMessages = 0
    private(set) var replayedMessages = 0
    private(set) var malformedMessages = 0
    private(set) var malformedByKind: [String: Int] = [:]

    init(equipment: Int, tablets: Int, topicPrefix: String, site: String, lines: Int,
         duplicates: Double, malformed: Double, seed: UInt64, lineRed: LineRed? = nil) {
        self.equipment = equipment
        self.tablets = tablets
        self.topicPrefix = topicPrefix
        self.site = site
        self.lines = max(1, lines)
        self.duplicates = duplicates
        self.malformed = malformed
        self.lineRed = lineRed
        rng = SplitMix64(seed: seed, stream: Family.equipment.stream)
        lastChangedAt = Array(repeating: 0, count: equipment)
        lastState = Array(repeating: nil, count: equipment)
        tiesPending = Self.tieEquipment(equipment: equipment, tablets: tablets)
        for _ in 0..<tablets { tabletStates.append(Tablet(toggleAt: rng.next(in: 5...50))) }
    }

    /// The figures so far, for the manifest.
    var report: Report {
        var states: [String: CurrentState] = [:]
        for (eq, change) in current {
            states["eq\(eq)"] = CurrentState(state: Self.states[change.state], changedAtMs: change.changedAtMs,
                                             source: Self.source(change.tablet), seq: change.seq)
        }
        return Report(messages: validMessages + duplicateMessages + malformedMessages, historyRows: validMessages,
                      duplicates: duplicateMessages, replayed: replayedMessages, deadLetters: malformedMessages,
                      malformedByKind: malformedByKind, current: states)
    }

    /// The shared equipment that get a tie: the first two.
    static func tieEquipment(equipment: Int, tablets: Int) -> [Int] {
        Array((0..<equipment).filter { tablets > 1 && $0 % 4 == 1 }.prefix(ties))
    }

    /// The next message to publish; `nowMs` is the wall clock in epoch milliseconds and
    /// `progress` how far the run has come (0...1, see `ExcursionSchedule`).
    mutating func next(nowMs: Int64, progress: Double = 0) -> PublishPlan.Message {
        if let change = lineRedChange(nowMs: nowMs, progress: progress) {
            validMessages += 1
            if current[change.equipment].map({ supersedes(change, $0) }) ?? true { current[change.equipment] = change }
            return PublishPlan.Message(topic: topic(change.equipment), payload: payload(change))
        }
        let roll = rng.nextDouble()
        let redLine = lineRed?.line, lines = lines
        if roll < duplicates, let index = recent.randomIndex(using: &rng, where: { redLine == nil || $0.equipment % lines != redLine }) {
            duplicateMessages += 1
            return recent[index].message
        }
        if roll < duplicates + malformed {
            let kind = Self.malformedKinds[rng.next(below: Self.malformedKinds.count)]
            malformedMessages += 1
            malformedByKind[kind, default: 0] += 1
            return malformedMessage(kind, nowMs: nowMs)
        }
        let change = nextPublishable(nowMs: nowMs)
        validMessages += 1
        if current[change.equipment].map({ supersedes(change, $0) }) ?? true { current[change.equipment] = change }
        let message = PublishPlan.Message(topic: topic(change.equipment), payload: payload(change))
        recent.append((change.equipment, message))
        return message
    }

    /// The next change a tablet publishes: a queued one of a tablet back online, else a new
    /// one of an online tablet; new changes of offline tablets are queued on the way.
    private mutating func nextPublishable(nowMs: Int64) -> Change {
        while true {
            if let t = tabletStates.firstIndex(where: { $0.online && !$0.queue.isEmpty }) {
                replayedMessages += 1
                return tabletStates[t].queue.removeFirst()
            }
            let change = makeChange(nowMs: nowMs)
            // A tablet that came back while this change was made still has its queue to send first.
            // Each change advances the offline schedule, so this loop ends.
            if tabletStates[change.tablet].online && tabletStates[change.tablet].queue.isEmpty { return change }
            tabletStates[change.tablet].queue.append(change)
        }
    }

    private mutating func makeChange(nowMs: Int64) -> Change {
        changesMade += 1
        advanceSchedules()
        while !followUps.isEmpty {
            let f = followUps.removeFirst()
            // The red line's equipment change on the supervisor's tablet only while it is red.
            if isHeld(f.equipment) { continue }
            let state = f.changedAtMs == nil ? nil : f.tieState
            return change(f.equipment, by: f.tablet, at: f.changedAtMs, state: state, nowMs: nowMs)
        }
        var eq = turn % equipment
        while frozen.contains(eq) || isHeld(eq) {
            turn += 1
            eq = turn % equipment
        }
        turn += 1
        let (primary, secondary) = sources(eq)
        if let tie = tiesPending.firstIndex(of: eq), let secondary {
            tiesPending.remove(at: tie)
            frozen.insert(eq)
            let winner = Self.source(primary) > Self.source(secondary) ? primary : secondary
            let loser = winner == primary ? secondary : primary
            let first = tiesMade % 2 == 0 ? winner : loser
            tiesMade += 1
            let c = change(eq, by: first, at: nil, state: first == winner ? Self.green : Self.yellow, nowMs: nowMs)
            followUps.append(FollowUp(equipment: eq, tablet: first == winner ? loser : winner, changedAtMs: c.changedAtMs,
                                      tieState: first == winner ? Self.yellow : Self.green))
            return c
        }
        guard let secondary else { return change(eq, by: primary, at: nil, nowMs: nowMs) }
        let byPrimary = rng.nextDouble() < 0.5
        let c = change(eq, by: byPrimary ? primary : secondary, at: nil, nowMs: nowMs)
        if rng.nextDouble() < Self.disagreementFraction {
            followUps.append(FollowUp(equipment: eq, tablet: byPrimary ? secondary : primary, changedAtMs: nil))
        }
        return c
    }

    /// A change of `eq` set on `tablet`: to `state` when given (a tie), else to green or yellow,
    /// never the colour it was last set to.
    private mutating func change(_ eq: Int, by tablet: Int, at changedAtMs: Int64?, state given: Int? = nil,
                                 nowMs: Int64) -> Change {
        let at = changedAtMs ?? max(nowMs, lastChangedAt[eq] + 1)
        lastChangedAt[eq] = max(lastChangedAt[eq], at)
        var state = given ?? rng.next(below: 2)
        if given == nil, let last = lastState[eq], state == last { state = 1 - state }
        lastState[eq] = state
        tabletStates[tablet].seq += 1
        return Change(equipment: eq, tablet: tablet, state: state, changedAtMs: at, worker: tablet * 3 + rng.next(below: 3),
                      seq: tabletStates[tablet].seq)
    }

    /// A change of `eq` to `state` on the supervisor's tablet, `tab{tablets}`: outside the
    /// rotation, always online, counting its own `seq`. Its `changed_at` is past every change
    /// made for `eq` so far, queued ones included, so it becomes current.
    mutating func supervisorChange(_ eq: Int, to state: Int, nowMs: Int64) -> Change {
        let at = max(nowMs, lastChangedAt[eq] + 1)
        lastChangedAt[eq] = at
        lastState[eq] = state
        redLine.seq += 1
        return Change(equipment: eq, tablet: tablets, state: state, changedAtMs: at, worker: tablets * 3, seq: redLine.seq)
    }

    /// Takes tablets offline and back as the change count reaches their turn; at least one
    /// stays online.
    private mutating func advanceSchedules() {
        for t in tabletStates.indices where changesMade >= tabletStates[t].toggleAt {
            if tabletStates[t].online {
                guard tabletStates.lazy.filter(\.online).count > 1 else {
                    tabletStates[t].toggleAt = changesMade + rng.next(in: 10...50)
                    continue
                }
                tabletStates[t].online = false
                tabletStates[t].toggleAt = changesMade + rng.next(in: 10...60)
            } else {
                tabletStates[t].online = true
                tabletStates[t].toggleAt = changesMade + rng.next(in: 100...400)
            }
        }
    }

    /// Last writer wins on `changed_at`; ties go to the greater (source, seq), the source
    /// compared as a string: ingestd's rule.
    private func supersedes(_ a: Change, _ b: Change) -> Bool {
        (a.changedAtMs, Self.source(a.tablet), a.seq) > (b.changedAtMs, Self.source(b.tablet), b.seq)
    }

    private func sources(_ eq: Int) -> (primary: Int, secondary: Int?) {
        (eq % tablets, tablets > 1 && eq % 4 == 1 ? (eq + 1) % tablets : nil)
    }

    static func source(_ tablet: Int) -> String { "tab\(tablet)" }

    private func topic(_ eq: Int) -> String { "\(topicPrefix)/\(site)/line\(eq % lines)/equipment/eq\(eq)/state" }

    private func payload(_ c: Change) -> String {
        "{\"state\":\"\(Self.states[c.state])\",\"changed_at\":\"\(RFC3339.string(epochMilliseconds: c.changedAtMs))\","
            + "\"worker\":\"w\(c.worker)\",\"source\":\"\(Self.source(c.tablet))\",\"seq\":\(c.seq)}"
    }

    /// A message ingestd must reject: each one is one dead letter.
    private mutating func malformedMessage(_ kind: String, nowMs: Int64) -> PublishPlan.Message {
        let eq = rng.next(below: equipment)
        let tablet = sources(eq).primary
        let rest = "\"worker\":\"w\(tablet * 3)\",\"source\":\"\(Self.source(tablet))\",\"seq\":\(tabletStates[tablet].seq)"
        let now = RFC3339.string(epochMilliseconds: nowMs)
        let payload = switch kind {
        case "unknown_state": "{\"state\":\"purple\",\"changed_at\":\"\(now)\",\(rest)}"
        case "bad_json": "{\"state\":\"red\",\"changed_at\":\"\(now)\",\"worker\":"
        // Numbered: an exact repeat would be a redelivery to ingestd (one dead letter, not two).
        case "bad_changed_at": "{\"state\":\"red\",\"changed_at\":\"yesterday #\(malformedMessages)\",\(rest)}"
        default: "{\"equipment\":\"eq999999\",\"state\":\"red\",\"changed_at\":\"\(now)\",\(rest)}"
        }
        return PublishPlan.Message(topic: topic(eq), payload: payload)
    }
}
