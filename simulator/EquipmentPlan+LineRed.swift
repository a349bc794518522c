/// The equipment excursion of `--excursions`: at `redAt` the supervisor's tablet sets every
/// equipment of one line red, one message each, and at `greenAt` green again; ingestd's
/// `line_red` rule must raise and clear once per equipment. In between, those equipment get
/// no other new change (the rotation and the other tablet's disagreements skip them), so
/// the red stays current; a tablet back online may still replay an older change of theirs,
/// which does not supersede the red. The line's equipment are never the source of a repeat.
extension EquipmentPlan {
    /// Which line goes red, and when (progress of the run, 0...1).
    struct LineRed {
        var line: Int
        var redAt: Double
        var greenAt: Double
    }

    /// Where the red line stands.
    struct RedLine {
        enum Phase: Equatable {
            case pending
            /// `next` indexes the line's equipment.
            case turningRed(next: Int)
            case red
            case turningGreen(next: Int)
            case done
        }

        var phase = Phase.pending
        /// The supervisor's tablet's change counter.
        var seq = 0
        /// Per equipment, the `changed_at` of its red and of its green.
        var red: [Int: Int64] = [:]
        var green: [Int: Int64] = [:]
    }

    /// The line that goes red, trying lines from `pick` on: one with equipment, leaving
    /// equipment off it for the rotation, and preferably none of the tie equipment (whose
    /// final state the tie is meant to decide). Nil when no line will do (one line, or too
    /// few equipment).
    static func redLine(equipment: Int, tablets: Int, lines: Int, from pick: Int) -> Int? {
        let lines = max(1, lines)
        let ties = Set(tieEquipment(equipment: equipment, tablets: tablets))
        for allowTies in [false, true] {
            for k in 0..<lines {
                let line = (pick + k) % lines
                let members = (0..<equipment).filter { $0 % lines == line }
                let free = (0..<equipment).filter { $0 % lines != line && !ties.contains($0) }
                if !members.isEmpty, !free.isEmpty, allowTies || ties.isDisjoint(with: members) { return line }
            }
        }
        return nil
    }

    /// The manifest entries of the red line, one per equipment; none without `--excursions`.
    var excursionReports: [Excursion] {
        redLineMembers.map { eq in
            Excursion(kind: .lineRed, family: Family.equipment.manifestKey, site: site, device: "eq\(eq)", metric: nil,
                      rule: "line_red", raises: redLine.red[eq] == nil ? 0 : 1, clears: redLine.green[eq] == nil ? 0 : 1,
                      from: redLine.red[eq], to: redLine.green[eq])
        }
    }

    /// The equipment of the red line, in order; none without `--excursions`.
    var redLineMembers: [Int] {
        guard let lineRed else { return [] }
        return (0..<equipment).filter { $0 % lines == lineRed.line }
    }

    /// Whether `eq` is on the line that goes red (repeats leave it alone).
    func isOnRedLine(_ eq: Int) -> Bool { lineRed.map { eq % lines == $0.line } ?? false }

    /// Whether `eq` takes no normal change now: its line is going red, red or going green.
    func isHeld(_ eq: Int) -> Bool {
        guard isOnRedLine(eq) else { return false }
        return redLine.phase != .pending && redLine.phase != .done
    }

    /// The excursion's next change when one is due: it goes before anything else.
    mutating func lineRedChange(nowMs: Int64, progress: Double) -> Change? {
        guard let lineRed else { return nil }
        let members = redLineMembers
        switch redLine.phase {
        case .pending where progress >= lineRed.redAt:
            redLine.phase = .turningRed(next: 0)
            return lineRedChange(nowMs: nowMs, progress: progress)
        case let .turningRed(next):
            let change = supervisorChange(members[next], to: Self.red, nowMs: nowMs)
            redLine.red[change.equipment] = change.changedAtMs
            redLine.phase = next + 1 < members.count ? .turningRed(next: next + 1) : .red
            return change
        case .red where progress >= lineRed.greenAt:
            redLine.phase = .turningGreen(next: 0)
            return lineRedChange(nowMs: nowMs, progress: progress)
        case let .turningGreen(next):
            let change = supervisorChange(members[next], to: Self.green, nowMs: nowMs)
            redLine.green[change.equipment] = change.changedAtMs
            redLine.phase = next + 1 < members.count ? .turningGreen(next: next + 1) : .done
            return change
        default:
            return nil
        }
    }
}
