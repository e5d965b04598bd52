import Testing

@testable import Raft

/// Randomized fault injection over a 3- or 5-node cluster: for each seed, thousands of steps of
/// random message delivery (reordered, dropped, duplicated), ticks, proposals, partitions,
/// crashes with restart from storage, compactions, leadership transfers and reads. The
/// harness checks Election Safety, Leader Completeness, State Machine Safety and in-order
/// apply on every Ready, and Log Matching periodically. At the end the faults stop and the
/// cluster must converge (liveness under a healed network).
///
/// Every run prints its seed; replay one with
/// `RAFT_SEEDS=17 swift test --filter RandomizedSafetyTests`, sweep with `RAFT_SEEDS=1-1000`.
@Suite struct RandomizedSafetyTests {
    static let seeds: [UInt64] = testSeeds(default: Array(1...24))

    /// Determinism: the same seed yields the same message trace, so any failure replays.
    @Test func sameSeedSameTrace() {
        let first = Self.runFaultSchedule(seed: 77, steps: 3000, recordSent: true).cluster
        let second = Self.runFaultSchedule(seed: 77, steps: 3000, recordSent: true).cluster
        #expect(first.sentMessages.count > 300)
        #expect(first.sentMessages == second.sentMessages)
        #expect(first.committedHistory == second.committedHistory)
        let other = Self.runFaultSchedule(seed: 78, steps: 3000, recordSent: true).cluster
        #expect(other.sentMessages != first.sentMessages)
    }

    /// Runs the fault schedule for `seed` and returns the cluster and the number of
    /// proposals offered. Stops early at the first safety violation.
    static func runFaultSchedule(seed: UInt64, steps: Int = 10_000, recordSent: Bool = false)
        -> (cluster: TestCluster, proposed: Int)
    {
        // Vary the shape per seed: 3 or 5 nodes, 10-30 % loss, small or tiny windows, commits
        // announced at once or at the next tick.
        let ids: [UInt64] = seed % 4 == 0 ? [1, 2, 3] : [1, 2, 3, 4, 5]
        let c = TestCluster(ids: ids, seed: seed) {
            $0.preVote = seed % 2 == 0
            $0.checkQuorum = seed % 3 != 0
            $0.maxInflightAppends = seed % 5 == 0 ? 1 : 4
            $0.maxEntriesBytesPerAppend = seed % 7 == 0 ? 1 : 200
            $0.commitBroadcast = (seed / 2) % 2 == 1 ? .nextTick : .immediate
        }
        c.dropPercent = 10 + 10 * (seed % 3)
        c.duplicatePercent = 5
        c.recordSent = recordSent
        var proposed = 0

        func randomID() -> UInt64 { ids[Int(c.rng.next(below: UInt64(ids.count)))] }

        for step in 0..<steps {
            let roll = c.rng.next(below: 1000)
            switch roll {
            case 0..<450:
                for _ in 0..<(1 + c.rng.next(below: 4)) { c.deliverRandomly() }
            case 450..<700:
                c.tick(randomID())
            case 700..<850:
                // Mostly to the believed leader, sometimes to anyone (which must refuse).
                let id = c.rng.next(below: 4) == 0 ? randomID() : (c.leader ?? randomID())
                if c.nodes[id] != nil {
                    proposed += 1
                    _ = try? c.nodes[id]!.propose([
                        UInt8(truncatingIfNeeded: proposed),
                        UInt8(truncatingIfNeeded: proposed >> 8),
                    ])
                }
            case 850..<870:
                // Crash, keeping at least three nodes up most of the time.
                if c.liveIDs.count > 3 || c.rng.next(below: 4) == 0 {
                    let id = randomID()
                    if c.nodes[id] != nil {
                        // Half the crashes also lose the Ready being processed.
                        if c.rng.next(below: 2) == 0 {
                            c.crash(id)
                        } else {
                            c.crashBeforePersisting(id)
                        }
                    }
                }
            case 870..<900:
                for id in ids where c.nodes[id] == nil {
                    c.start(id)
                    break
                }
            case 900..<915:
                var a: [UInt64] = []
                var b: [UInt64] = []
                for id in ids {
                    if c.rng.next(below: 2) == 0 { a.append(id) } else { b.append(id) }
                }
                c.partition(a, b)
            case 915..<945:
                c.heal()
            case 945..<965:
                let id = randomID()
                if c.nodes[id] != nil { c.compact(id) }
            case 965..<975:
                if let leader = c.leader {
                    try? c.nodes[leader]!.transferLeadership(to: randomID())
                }
            case 975..<990:
                let id = randomID()
                if c.nodes[id] != nil {
                    try? c.nodes[id]!.readIndex(context: [UInt8(step & 0xFF), UInt8(step >> 8)])
                }
            default:
                c.tickAll()
            }
            c.processAllReady()
            if step % 200 == 0 { c.checkLogMatching() }
            if !c.violations.isEmpty { break }
        }
        return (c, proposed)
    }

    @Test(arguments: seeds)
    func randomFaultsPreserveSafety(seed: UInt64) throws {
        print("RandomizedSafetyTests: seed \(seed)")
        let (c, proposed) = Self.runFaultSchedule(seed: seed)
        let ids = c.ids
        try #require(c.violations.isEmpty)

        // Heal everything and require convergence.
        c.heal()
        c.dropPercent = 0
        c.duplicatePercent = 0
        for id in ids where c.nodes[id] == nil { c.start(id) }
        c.electLeader(maxTicks: 500)
        var finalIndex: UInt64 = 0
        for _ in 0..<50 {
            if let leader = c.leader, let receipt = try? c.nodes[leader]!.propose(.bytes("final")) {
                finalIndex = receipt.index
                break
            }
            c.tickAll()
            c.stabilize()
        }
        try #require(finalIndex > 0, "seed \(seed): no leader accepted the final proposal")
        for _ in 0..<300 {
            c.tickAll()
            c.stabilize()
            if ids.allSatisfy({ c.appliedIndex[$0]! >= finalIndex }) { break }
        }
        c.checkLogMatching()
        if !ids.allSatisfy({ c.appliedIndex[$0]! >= finalIndex }) {
            for id in ids {
                let n = c[id]
                print(
                    "seed \(seed) node \(id): \(n.role) term \(n.term) leader \(n.leader) commit \(n.commitIndex) applied \(c.appliedIndex[id]!) first \(n.raftLog.firstIndex) last \(n.lastIndex) storageSnap \(try! c.storages[id]!.snapshot().metadata.index)"
                )
                let progress = n.role == .leader ? n.leaderState.progress : [:]
                for (peer, pr) in progress.sorted(by: { $0.key < $1.key }) {
                    print(
                        "   progress \(peer): \(pr.state) match \(pr.match) next \(pr.next) paused \(pr.isPaused) pending \(pr.pendingSnapshot) active \(pr.recentActive) inflight \(pr.inflights.count)"
                    )
                }
            }
        }
        for id in ids {
            #expect(c.appliedIndex[id]! >= finalIndex, "seed \(seed): node \(id) did not converge")
            #expect(
                c.appliedData[id] == c.appliedData[ids[0]], "seed \(seed): state machines differ")
        }
        #expect(c.violations.isEmpty)
        print(
            "RandomizedSafetyTests: seed \(seed) ok: proposed \(proposed), applied \(c.appliedIndex[1]!), leaders \(c.leadersByTerm.count), snapshots delivered \(c.deliveredCount[.installSnapshot, default: 0]), transfers \(c.deliveredCount[.timeoutNow, default: 0]), reads \(c.readStates.values.map(\.count).reduce(0, +))"
        )
    }
}
