import IngestRuntime
import Testing

/// The workers' liveness behind the systemd watchdog (not part of StackTests: runs anywhere).
@Suite struct HeartbeatTests {
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int64(seconds * 1000)) }

    @Test func aWorkerThatHasNotBeatenYetCountsFromTheStart() {
        let h = Heartbeat(workers: ["pipeline", "writer"], now: start)
        #expect(h.stalled(olderThan: .seconds(5), now: at(5)).isEmpty)
        #expect(h.stalled(olderThan: .seconds(5), now: at(5.001)) == ["pipeline", "writer"])
    }

    @Test func onlyTheWorkerThatStoppedBeatingIsStalled() {
        let h = Heartbeat(workers: ["pipeline", "writer"], now: start)
        let pipeline = h.worker("pipeline")
        let writer = h.worker("writer")
        for second in 1...10 {
            pipeline.beat(now: at(Double(second)))
            if second <= 3 { writer.beat(now: at(Double(second))) }
        }
        #expect(h.stalled(olderThan: .seconds(5), now: at(8)).isEmpty)
        #expect(h.stalled(olderThan: .seconds(5), now: at(10)) == ["writer"])
        #expect(h.sinceLastBeat("writer", now: at(10)) == .seconds(7))
        #expect(h.sinceLastBeat("pipeline", now: at(10)) == .zero)
        writer.beat(now: at(10))
        #expect(h.stalled(olderThan: .seconds(5), now: at(10.5)).isEmpty)
    }

    @Test func aBeatByNameIsTheSameAsThroughTheHandle() {
        let h = Heartbeat(workers: ["pipeline", "writer"], now: start)
        h.beat("writer", now: at(9))
        #expect(h.stalled(olderThan: .seconds(2), now: at(10)) == ["pipeline"])
        #expect(h.worker("writer").name == "writer")
        #expect(h.workers == ["pipeline", "writer"])
    }

    /// A late beat from a slow thread (its clock read before another's) must not make a worker look older.
    @Test func aBeatNeverMovesTheTimeBack() {
        let h = Heartbeat(workers: ["writer"], now: start)
        h.beat("writer", now: at(10))
        h.beat("writer", now: at(4))
        #expect(h.sinceLastBeat("writer", now: at(11)) == .seconds(1))
        #expect(h.stalled(olderThan: .seconds(5), now: at(12)).isEmpty)
    }

    @Test func aBeatIsRecordedAtMicrosecondResolution() {
        let h = Heartbeat(workers: ["pipeline"], now: start)
        h.beat("pipeline", now: start + .microseconds(1_500_001))
        #expect(h.stalled(olderThan: .seconds(1), now: start + .microseconds(2_500_001)).isEmpty)
        #expect(h.stalled(olderThan: .seconds(1), now: start + .microseconds(2_500_002)) == ["pipeline"])
    }

    @Test func beatsFromManyThreadsAtOnceAreAllSeen() async {
        let h = Heartbeat(workers: ["pipeline", "writer"])
        await withTaskGroup(of: Void.self) { group in
            for name in ["pipeline", "writer"] {
                for _ in 0..<4 {
                    group.addTask {
                        let worker = h.worker(name)
                        for _ in 0..<10_000 { worker.beat() }
                    }
                }
            }
        }
        #expect(h.stalled(olderThan: .seconds(5)).isEmpty)
        #expect(h.sinceLastBeat("pipeline") < .seconds(5))
    }

    /// What the reporter does with the notifier: ping while every worker beats, stop when one does not.
    @Test func theWatchdogIsFedOnlyWhileEveryWorkerBeats() {
        let h = Heartbeat(workers: ["pipeline", "writer"], now: start)
        let interval = Duration.seconds(30)
        var pings: [Double] = []
        for second in stride(from: 0.0, through: 60, by: 1) {
            h.beat("pipeline", now: at(second))
            if second < 20 { h.beat("writer", now: at(second)) }  // the writer hangs at 20 s
            if second.truncatingRemainder(dividingBy: 15) == 0, h.stalled(olderThan: interval / 2, now: at(second)).isEmpty {
                pings.append(second)
            }
        }
        #expect(pings == [0, 15, 30])
    }
}
