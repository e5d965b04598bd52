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
    /// A `DiskRaftStore` whose snapshot writer waits until the test opens the gate.
    final class GatedStore: RaftLogStore {
        let inner: DiskRaftStore
        let gate: Gate

        init(_ inner: DiskRaftStore, gate: Gate) {
            self.inner = inner
            self.gate = gate
        }

        func load() throws(RaftStoreError) -> PersistedRaftState { try inner.load() }
        func persist(hardState: Raft.HardState?, entries: [Entry], snapshot: Snapshot?, mustSync: Bool)
            throws(RaftStoreError)
        {
            try inner.persist(hardState: hardState, entries: entries, snapshot: snapshot, mustSync: mustSync)
        }
        func compact(snapshot: Snapshot) throws(RaftStoreError) { try inner.compact(snapshot: snapshot) }
        func compactWritten(snapshot: Snapshot) throws(RaftStoreError) { try inner.compactWritten(snapshot: snapshot) }
        var raftStateBytes: Int { inner.raftStateBytes }
        func close() { inner.close() }
        var snapshotWriter: (any RaftSnapshotWriter)? {
            inner.snapshotWriter.map { GatedWriter(inner: $0, gate: gate) }
        }
    }

    struct GatedWriter: RaftSnapshotWriter {
        let inner: any RaftSnapshotWriter
        let gate: Gate

        func write(_ snapshot: Snapshot) throws(RaftStoreError) {
            gate.wait()
            try inner.write(snapshot)
        }
    }

    /// Closed until `open()`; `wait()` blocks the calling thread (a dispatch queue's) meanwhile.
    final class Gate: Sendable {
        private let isOpen = Mutex(false)
        private let entered = Mutex(0)

        func open() { isOpen.withLock { $0 = true } }
        var waiters: Int { entered.withLock { $0 } }

        func wait() {
            entered.withLock { $0 += 1 }
            let deadline = ContinuousClock.now + .seconds(30)
            while !isOpen.withLock({ $0 }) && ContinuousClock.now < deadline { usleep(1_000) }
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
