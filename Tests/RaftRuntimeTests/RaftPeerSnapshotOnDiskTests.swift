import Foundation
import Raft
import RaftRuntime
import Testing

/// A daemon's peer (a `DiskRaftStore` with asynchronous writes and chunked snapshots) keeps
/// the newest snapshot's data only in its file once that is durable, and reads it back to send
/// it: the leader's own snapshot, one a follower installed, and one restored at a restart.
@Suite("RaftPeer snapshot data on disk", .serialized)
struct RaftPeerSnapshotOnDiskTests {
    @Test(.timeLimit(.minutes(1)))
    func snapshotDataLeavesMemoryAndIsReadBackToSend() async throws {
        var configuration = InProcessRaftCluster.fastConfiguration
        configuration.writesStorageAsynchronously = true
        configuration.snapshotChunkBytes = 64 << 10
        let state = (0..<(300 << 10) + 5).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        try await withTemporaryDirectory { root in
            let directories = (1...3).map { "\(root)/peer\($0)" }
            let (cluster, leader, follower, link) = try await InProcessRaftCluster.withLinkedFollower(
                configuration: configuration,
                makeStore: { id in try DiskRaftStore(directory: directories[Int(id) - 1]) }
            ) { RaftPeerSnapshotTests.SlowSnapshotLink(peer: $0, snapshotDelay: .zero) }
            await link.setCut(true)
            var last: UInt64 = 0
            for command in 0..<20 { last = try await cluster.propose([UInt8(command)]) }
            #expect(await cluster.recorders[Int(leader.id) - 1].waitFor(index: last))
            await leader.snapshot(index: last, data: state)
            // Once the file is durable the leader holds no copy of the data.
            #expect(await eventually(within: .seconds(10)) { await leader.status().snapshotBytesInMemory == 0 })
            #expect(await leader.status().snapshotIndex == last)
            // The cut follower needs the snapshot: it arrives whole, read back from the file.
            await link.restore(losingEntriesThrough: last)
            #expect(await cluster.recorders[Int(follower.id) - 1].waitFor(index: last))
            let delivered = await cluster.recorders[Int(follower.id) - 1].messages()
            #expect(delivered.contains { if case .snapshot(last, _, state) = $0 { true } else { false } })
            #expect(await link.snapshotsReceived == 1)
            // The follower installed and persisted it: its copy left memory as well.
            #expect(await eventually(within: .seconds(10)) { await follower.status().snapshotBytesInMemory == 0 })
            let next = try await cluster.propose([99])
            #expect(await cluster.recorders[Int(follower.id) - 1].waitFor(index: next))
            await cluster.shutdown()
            // A restart restores from the file (the service gets the data) and keeps no copy.
            let restarted = try InProcessRaftCluster(n: 3, configuration: configuration) { id in
                try DiskRaftStore(directory: directories[Int(id) - 1])
            }
            for peer in [restarted.peers[Int(leader.id) - 1], restarted.peers[Int(follower.id) - 1]] {
                #expect(peer.restoredSnapshot?.index == last && peer.restoredSnapshot?.data == state)
                #expect(await peer.status().snapshotBytesInMemory == 0)
            }
            await restarted.shutdown()
        }
    }

    /// Without chunked snapshots (the labs, the simulation) the data stays in memory.
    @Test(.timeLimit(.minutes(1)))
    func withoutChunkingTheDataStaysInMemory() async throws {
        var configuration = InProcessRaftCluster.fastConfiguration
        configuration.writesStorageAsynchronously = true
        try await withTemporaryDirectory { root in
            let directories = (1...3).map { "\(root)/peer\($0)" }
            let cluster = try InProcessRaftCluster(n: 3, configuration: configuration) { id in
                try DiskRaftStore(directory: directories[Int(id) - 1])
            }
            await cluster.start()
            let last = try await cluster.propose([1])
            let leader = try await cluster.leader()
            #expect(await cluster.recorders[Int(leader.id) - 1].waitFor(index: last))
            await leader.snapshot(index: last, data: [1, 2, 3])
            #expect(await eventually(within: .seconds(10)) {
                DiskRaftStore.snapshotFile(directory: directories[Int(leader.id) - 1], index: last)
                    .withCString { access($0, F_OK) == 0 }
            })
            try await Task.sleep(for: .milliseconds(200))
            #expect(await leader.status().snapshotBytesInMemory == 3)
            await cluster.shutdown()
        }
    }
}
