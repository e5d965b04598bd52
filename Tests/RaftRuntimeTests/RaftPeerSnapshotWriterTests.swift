import DurableStorage
import Foundation
import Raft
import RaftRuntime
import Synchronization
import Testing

/// A snapshot file being written does not hold up the log: with asynchronous writes a
/// `DiskRaftStore`'s snapshot is written by its `snapshotWriter` beside the WAL's appends, and
/// the log is released only once the file is durable.
@Suite("RaftPeer snapshot writer")
struct RaftPeerSnapshotWriterTests {
    /// A follower hands the leader's snapshot to its service while the snapshot's write is
    /// still in flight (the service restores while the file is written), answers the leader
    /// only once the write is done, and does not hand the snapshot over a second time.
    @Test(.timeLimit(.minutes(1)))
    func anInstalledSnapshotReachesTheServiceWhileItsWriteRuns() async throws {
        var configuration = InProcessRaftCluster.fastConfiguration
        configuration.writesStorageAsynchronously = true
        let gate = Gate()
        try await withTemporaryDirectory { directory in
            let peer = try RaftPeer(
                id: 1, peers: [2: RaftPeerDiskTests.unusedClient(), 3: RaftPeerDiskTests.unusedClient()],
                logStore: GatedStore(try DiskRaftStore(directory: directory), gate: gate, gated: .snapshotPersist),
                configuration: configuration)
            let snapshot = Snapshot(metadata: .init(index: 20, term: 2, voters: [1, 2, 3]), data: [20])
            let answered = Mutex(false)
            let install = Task {
                let reply = try await peer.step(
                    StepRequest(messages: [Message(type: .installSnapshot, from: 2, to: 1, term: 2, snapshot: snapshot)]))
                answered.withLock { $0 = true }
                return reply
            }
            #expect(await eventually(within: .seconds(10)) { gate.waiters == 1 })
            // The write is held at the gate; the service has the snapshot all the same.
            let first = await Self.nextBatch(of: peer, within: .seconds(10))
            #expect(first == [.snapshot(index: 20, term: 2, data: [20])])
            #expect(!answered.withLock { $0 }, "answered the leader before the snapshot was written")
            gate.open()
            let reply = try await install.value
            #expect(reply.messages.contains { $0.type == .appendEntriesResponse && $0.index == 20 })
            // The next batch is the next entry, not the snapshot again.
            let entry = Entry(term: 2, index: 21, kind: .normal, data: [21])
            let append = Message(
                type: .appendEntries, from: 2, to: 1, term: 2, logTerm: 2, index: 20, entries: [entry], commit: 21)
            _ = try await peer.step(StepRequest(messages: [append]))
            #expect(await Self.nextBatch(of: peer, within: .seconds(10)) == [.command(index: 21, term: 2, data: [21])])
            await peer.kill()
            let restarted = try RaftPeer(
                id: 1, peers: [2: RaftPeerDiskTests.unusedClient(), 3: RaftPeerDiskTests.unusedClient()],
                logStore: DiskRaftStore(directory: directory), configuration: configuration)
            #expect(restarted.restoredSnapshot?.index == 20)
            await restarted.kill()
        }
    }

    /// The peer's next apply batch, or nil if none comes within `limit`.
    static func nextBatch(of peer: RaftPeer, within limit: Duration) async -> [ApplyMessage]? {
        await withTaskGroup(of: [ApplyMessage]?.self) { group in
            group.addTask { await peer.applyStream.nextBatch() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func commandsCommitWhileTheSnapshotFileIsWritten() async throws {
        var configuration = InProcessRaftCluster.fastConfiguration
        configuration.writesStorageAsynchronously = true
        let gate = Gate()
        try await withTemporaryDirectory { root in
            let directories = (1...3).map { "\(root)/peer\($0)" }
            let cluster = try InProcessRaftCluster(n: 3, configuration: configuration) { id in
                GatedStore(try DiskRaftStore(directory: directories[Int(id) - 1]), gate: gate)
            }
            await cluster.start()
            var last: UInt64 = 0
            for k in 0..<10 { last = try await cluster.propose(Array("a-\(k)".utf8)) }
            for recorder in cluster.recorders { #expect(await recorder.waitFor(index: last)) }
            let leader = try await cluster.leader()
            let sizeBefore = await leader.raftStateSize()
            let snapshotIndex = last
            await leader.snapshot(index: snapshotIndex, data: Array("state".utf8))
            let snapshotFile = DiskRaftStore.snapshotFile(
                directory: directories[Int(leader.id) - 1], index: snapshotIndex)
            #expect(await eventually(within: .seconds(10)) { gate.waiters == 1 })
            // The leader's writer is held at the gate: commands still commit on every peer.
            for k in 0..<20 { last = try await cluster.propose(Array("b-\(k)".utf8)) }
            for recorder in cluster.recorders { #expect(await recorder.waitFor(index: last)) }
            #expect(!FileManager.default.fileExists(atPath: snapshotFile))
            let sizeHeld = await leader.raftStateSize()
            #expect(sizeHeld > sizeBefore)  // the log is not released yet
            gate.open()
            // Once written, the file is on disk and the log through the snapshot is released.
            #expect(await eventually(within: .seconds(10)) { await leader.raftStateSize() < sizeHeld })
            #expect(FileManager.default.fileExists(atPath: snapshotFile))
            await cluster.shutdown()
            // A restart restores from the file.
            let restarted = try InProcessRaftCluster(n: 3, configuration: configuration) { id in
                try DiskRaftStore(directory: directories[Int(id) - 1])
            }
            let peer = restarted.peers[Int(leader.id) - 1]
            #expect(peer.restoredSnapshot?.index == snapshotIndex && peer.restoredSnapshot?.data == Array("state".utf8))
            await restarted.shutdown()
        }
    }
}
