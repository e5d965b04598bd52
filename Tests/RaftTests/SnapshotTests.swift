import Testing

@testable import Raft

/// Log compaction and InstallSnapshot (Raft paper §7): the application snapshots and
/// compacts storage; a leader sends its snapshot to a follower that needs compacted
/// entries; the follower restores it.
@Suite struct SnapshotTests {
    /// A follower that missed entries the leader has compacted catches up through the
    /// snapshot, then through normal replication, and ends with the same state machine.
    @Test func laggingFollowerReceivesSnapshot() {
        let c = TestCluster(seed: 41)
        c.campaign(1)
        c.isolate(3)
        for i in 0..<10 { c.propose([UInt8(i)], on: 1) }
        c.compact(1)
        #expect(c.storages[1]!.firstIndex() > 2)
        c.heal()
        c.recordSent = true
        c.tickAll()
        c.stabilize()
        #expect(c.sentMessages.contains { $0.type == .installSnapshot && $0.to == 3 })
        c.propose(.bytes("after"), on: 1)
        #expect(c.appliedData[3] == c.appliedData[1])
        #expect(c.appliedIndex[3] == c.appliedIndex[1])
        #expect(c[1].leaderState.progress[3]!.state == .replicate)
        c.checkLogMatching()
    }

    /// A lost snapshot is resent: the leader leaves the snapshot state after an election
    /// timeout without acknowledgement.
    @Test func lostSnapshotIsResent() {
        let c = TestCluster(seed: 42)
        c.campaign(1)
        c.isolate(2)
        for i in 0..<5 { c.propose([UInt8(i)], on: 1) }
        c.compact(1)
        c.heal()
        var dropped = 0
        c.shouldDrop = { message in
            guard message.type == .installSnapshot, dropped == 0 else { return false }
            dropped += 1
            return true
        }
        c.run(ticks: 40)
        #expect(dropped == 1)
        #expect(c.appliedIndex[2] == c.appliedIndex[1])
        #expect(c.appliedData[2] == c.appliedData[1])
    }

    /// With a driver that reports every snapshot's outcome, a snapshot still unacknowledged
    /// after many election timeouts (a slow transfer, heartbeats answered meanwhile) is not
    /// sent again; a reported failure sends it again, and the follower catches up.
    @Test func reportingDriverKeepsOneSnapshotInFlight() {
        let c = TestCluster(seed: 43) { $0.driverReportsSnapshots = true }
        c.campaign(1)
        c.isolate(2)
        for i in 0..<5 { c.propose([UInt8(i)], on: 1) }
        c.compact(1)
        c.heal()
        c.recordSent = true
        // The transfer is "still on its way": the message never arrives in this window.
        c.shouldDrop = { $0.type == .installSnapshot }
        c.run(ticks: 100)
        let sent = { c.sentMessages.filter { $0.type == .installSnapshot && $0.to == 2 }.count }
        #expect(sent() == 1)
        #expect(c[1].leaderState.progress[2]!.state == .snapshot)
        c.shouldDrop = { _ in false }
        c[1].reportSnapshot(to: 2, succeeded: false)
        c.run(ticks: 40)
        #expect(sent() == 2)
        #expect(c.appliedIndex[2] == c.appliedIndex[1])
        #expect(c.appliedData[2] == c.appliedData[1])
    }

    /// The driver's delivery reports move a follower out of the snapshot state: success
    /// assumes the follower has the snapshot, failure probes from its match index again.
    /// An unreachable follower in the replicate state falls back to probing.
    @Test func driverReportsDriveProgress() {
        var leader = makeNode(1)
        leader.forceLeader()
        commitNoop(&leader)
        leader.leaderState.progress[2]!.becomeSnapshot(10)
        leader.reportSnapshot(to: 2, succeeded: true)
        #expect(leader.leaderState.progress[2]!.state == .probe)
        #expect(leader.leaderState.progress[2]!.next == 11)
        leader.leaderState.progress[2]!.becomeSnapshot(10)
        leader.reportSnapshot(to: 2, succeeded: false)
        #expect(leader.leaderState.progress[2]!.state == .probe)
        #expect(leader.leaderState.progress[2]!.next == leader.leaderState.progress[2]!.match + 1)
        #expect(leader.leaderState.progress[3]!.state == .replicate)
        leader.reportUnreachable(3)
        #expect(leader.leaderState.progress[3]!.state == .probe)
    }

    /// A follower ignores a snapshot that is not newer than its commit index, and only
    /// fast-forwards its commit index when its log already contains the snapshot's entry.
    @Test func followerIgnoresOldOrCoveredSnapshots() {
        var node = makeNode(2, storage: storageWithTerms([1, 1, 1]))
        node.becomeFollower(term: 1, leader: 1)
        node.raftLog.commitTo(2)
        let old = Snapshot(metadata: .init(index: 2, term: 1, voters: [1, 2, 3]))
        #expect(node.restore(old) == false)
        let covered = Snapshot(metadata: .init(index: 3, term: 1, voters: [1, 2, 3]))
        #expect(node.restore(covered) == false)
        #expect(node.commitIndex == 3)
        let newer = Snapshot(metadata: .init(index: 10, term: 2, voters: [1, 2, 3]), data: [9])
        #expect(node.restore(newer) == true)
        #expect(node.lastIndex == 10)
        #expect(node.commitIndex == 10)
        let rd = node.ready()
        #expect(rd.snapshot == newer)
        #expect(rd.committedEntries.isEmpty)
        node.advance(rd)
        #expect(node.appliedIndex == 10)
    }

    /// A node restarted over compacted storage resumes at the snapshot: its log starts
    /// after it and replay starts at snapshot index + 1.
    @Test func restartFromCompactedStorage() {
        let c = TestCluster(seed: 43)
        c.campaign(1)
        for i in 0..<6 { c.propose([UInt8(i)], on: 1) }
        c.compact(2)
        let snapshotIndex = try! c.storages[2]!.snapshot().metadata.index
        c.crash(2)
        c.start(2)
        #expect(c.appliedIndex[2] == snapshotIndex)
        #expect(c[2].raftLog.firstIndex == snapshotIndex + 1)
        c.electLeader()
        c.propose(.bytes("post-restart"))
        #expect(c.appliedData[2] == c.appliedData[1])
    }

    /// The whole cluster crashes after compaction and restarts: the state (snapshot plus log
    /// tail) survives and the cluster continues (6.824 TestSnapshotAllCrash2D).
    @Test func allCrashAfterSnapshotRecovers() {
        let c = TestCluster(ids: [1, 2, 3], seed: 44)
        c.electLeader()
        for round in 0..<3 {
            for i in 0..<7 { c.propose([UInt8(round), UInt8(i)]) }
            for id in c.ids { c.compact(id) }
            let before = c.appliedIndex[1]!
            for id in c.ids { c.crash(id) }
            for id in c.ids { c.start(id) }
            c.electLeader()
            let index = c.propose([UInt8(round), 99])
            #expect(index > before)
        }
        #expect(c.appliedData[1]!.count == 3 * 8)
        #expect(c.appliedData[2] == c.appliedData[1])
        #expect(c.appliedData[3] == c.appliedData[1])
    }
}
