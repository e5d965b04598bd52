import DurableStorage
import Foundation
import Raft
import RaftRuntime
import RPCCore
import Testing

/// `RaftPeer` whose disk fills up or fails (`ENOSPC`/`EIO` on write or fsync, injected into
/// its `DiskRaftStore`): it stops, with the store error in its status, and acknowledges
/// nothing it did not persist: a leader never applies (so never answers a client for) the
/// failed entry, a follower never answers the append. Its group fails over; a restart
/// after space is freed recovers from what is on disk. A power-cut sweep over a follower's
/// snapshot install checks it acknowledges the snapshot only once it is durable.
@Suite("RaftPeer disk faults")
struct RaftPeerDiskFaultTests {
    /// Which fault the disk develops, and its errno.
    static let faults: [(String, Int32)] = [("write", ENOSPC), ("write", EIO), ("fsync", EIO)]

    static func inject(_ fault: (String, Int32), into fileSystem: SharedCrashFileSystem) {
        fileSystem.inject { fileSystem in
            if fault.0 == "write" {
                fileSystem.failWrites(errno: fault.1)
            } else {
                fileSystem.failSyncs(errno: fault.1)
            }
        }
    }

    /// Waits (at most 5 s) for `peer` to stop and returns its status.
    static func stoppedStatus(_ peer: RaftPeer) async throws -> RaftPeerStatus {
        for _ in 0..<500 where !(await peer.status().isStopped) {
            try await Task.sleep(for: .milliseconds(10))
        }
        return await peer.status()
    }

    static func errno(of error: RaftStoreError?) -> Int32? {
        guard case .io(.io(_, _, let code, _)) = error else { return nil }
        return code
    }

    /// A single voter (it would commit alone) whose disk fails under a proposal: the peer
    /// stops, the command is never applied, and after a restart on a healthy disk the
    /// peer leads again with every applied command and takes new ones.
    @Test(arguments: faults, [false, true])
    func leaderStopsWithoutApplyingWhatItCouldNotPersist(fault: (String, Int32), asynchronousWrites: Bool)
        async throws
    {
        try await withTemporaryDirectory { root in
            let directory = root + "/peer1"
            var configuration = RaftPeer.Configuration()
            configuration.writesStorageAsynchronously = asynchronousWrites
            var applied: [UInt64: [UInt8]] = [:]
            do {
                let fileSystem = SharedCrashFileSystem()
                let peer = try RaftPeer(
                    id: 1, peers: [:], logStore: DiskRaftStore(directory: directory, fileSystem: fileSystem),
                    configuration: configuration)
                var stream = peer.applyStream.makeAsyncIterator()
                await peer.start()
                try await RaftPeerDiskTests.waitForLeadership(peer)
                let good = await peer.propose([1])
                while applied[good.index] == nil, let message = await stream.next() {
                    if case .command(let index, _, let data) = message { applied[index] = data }
                }
                Self.inject(fault, into: fileSystem)
                let bad = await peer.propose([2])
                #expect(bad.isLeader)
                let status = try await Self.stoppedStatus(peer)
                #expect(status.isStopped)
                #expect(!status.isLeader)
                // The leader's own unpersisted copy never counted toward its (one-voter) quorum.
                #expect(status.commitIndex < bad.index, "committed \(status.commitIndex) without a durable copy")
                #expect(Self.errno(of: status.storeFailure) == fault.1, "\(String(describing: status.storeFailure))")
                // What the daemon's lifecycle waits for: the stop, with its reason.
                #expect(await peer.waitUntilStopped() == status.storeFailure)
                // The stream ends without the failed command: nothing was acknowledged.
                while let message = await stream.next() {
                    if case .command(let index, _, let data) = message { applied[index] = data }
                }
                #expect(applied[bad.index] == nil, "applied entry \(bad.index) that was not persisted")
                #expect(await peer.propose([3]).isLeader == false)
                await peer.kill()
            }
            // Space freed: restart on a healthy disk.
            let peer = try RaftPeer(
                id: 1, peers: [:], logStore: DiskRaftStore(directory: directory), configuration: configuration)
            var stream = peer.applyStream.makeAsyncIterator()
            await peer.start()
            try await RaftPeerDiskTests.waitForLeadership(peer)
            let after = await peer.propose([4])
            #expect(after.isLeader)
            var reapplied: [UInt64: [UInt8]] = [:]
            while reapplied[after.index] == nil, let message = await stream.next() {
                if case .command(let index, _, let data) = message { reapplied[index] = data }
            }
            for (index, command) in applied { #expect(reapplied[index] == command, "index \(index) lost") }
            #expect(reapplied[after.index] == [4])
            await peer.kill()
            #expect(await peer.waitUntilStopped() == nil, "a killed peer stopped without a store failure")
        }
    }

    /// A follower whose disk fails while it appends the leader's entries answers nothing
    /// (its acknowledgement would count toward a commit that is not durable) and stops.
    @Test(arguments: faults, [false, true])
    func followerNeverAcknowledgesAnAppendItCouldNotPersist(fault: (String, Int32), asynchronousWrites: Bool)
        async throws
    {
        try await withTemporaryDirectory { directory in
            let fileSystem = SharedCrashFileSystem()
            let peer = try RaftPeer(
                id: 1, peers: [2: RaftPeerDiskTests.unusedClient(), 3: RaftPeerDiskTests.unusedClient()],
                logStore: DiskRaftStore(directory: directory, fileSystem: fileSystem),
                configuration: RaftPeerDiskTests.configuration(asynchronousWrites: asynchronousWrites))
            let entries = (1...3).map { Entry(term: 1, index: UInt64($0), kind: .normal, data: [UInt8($0)]) }
            let first = Message(
                type: .appendEntries, from: 2, to: 1, term: 1, logTerm: 0, index: 0, entries: [entries[0]], commit: 0)
            let accepted = try await peer.step(StepRequest(messages: [first]))
            #expect(accepted.messages.contains { $0.type == .appendEntriesResponse && !$0.reject && $0.index == 1 })
            Self.inject(fault, into: fileSystem)
            let rest = Message(
                type: .appendEntries, from: 2, to: 1, term: 1, logTerm: 1, index: 1, entries: Array(entries[1...]),
                commit: 1)
            await #expect(throws: RPCError.self) {
                _ = try await peer.step(StepRequest(messages: [rest]))
            }
            let status = try await Self.stoppedStatus(peer)
            #expect(status.isStopped)
            #expect(Self.errno(of: status.storeFailure) == fault.1, "\(String(describing: status.storeFailure))")
            await peer.kill()
            // Restart after the fault: entry 1 (acknowledged) is there, the rest at most as a prefix.
            let state = try DiskRaftStore(directory: directory).load()
            #expect(state.entries.first == entries[0])
            #expect(state.entries == Array(entries.prefix(state.entries.count)))
        }
    }

    /// Three peers on disk; the leader's disk fills up under a proposal. It stops and never
    /// applies the failed entry; the other two elect a leader that commits new proposals.
    @Test(arguments: [false, true])
    func groupFailsOverWhenTheLeadersDiskFills(asynchronousWrites: Bool) async throws {
        try await withTemporaryDirectory { root in
            let fileSystems = (1...3).map { _ in SharedCrashFileSystem() }
            let cluster = try InProcessRaftCluster(
                n: 3, configuration: RaftPeerDiskTests.configuration(asynchronousWrites: asynchronousWrites)
            ) { id in
                try DiskRaftStore(directory: "\(root)/peer\(id)", fileSystem: fileSystems[Int(id) - 1])
            }
            await cluster.start()
            let before = try await cluster.propose([1])
            for recorder in cluster.recorders { #expect(await recorder.waitFor(index: before)) }
            let leader = try await cluster.leader()
            let leaderIndex = Int(leader.id) - 1
            Self.inject(("write", ENOSPC), into: fileSystems[leaderIndex])
            let bad = await leader.propose([2])
            let status = try await Self.stoppedStatus(leader)
            #expect(status.isStopped)
            #expect(Self.errno(of: status.storeFailure) == ENOSPC)
            // The others take over and commit.
            let after = try await cluster.propose([3], within: .seconds(20))
            let survivors = cluster.recorders.indices.filter { $0 != leaderIndex }
            for i in survivors { #expect(await cluster.recorders[i].waitFor(index: after), "peer \(i + 1)") }
            let failedLeaderCommands = await cluster.recorders[leaderIndex].commands()
            if bad.isLeader { #expect(failedLeaderCommands[bad.index] == nil) }
            #expect(failedLeaderCommands[after] == nil)
            await cluster.shutdown()
        }
    }

    /// A follower loses power at each point of installing the leader's snapshot (a sweep over
    /// the file-system operations of the install). It acknowledges the snapshot only once it
    /// is durable; after the restart its store holds either its old, acknowledged log or the
    /// snapshot with nothing at or below its index, and a peer restarted on it comes back
    /// from that snapshot.
    @Test(arguments: [false, true])
    func followerPowerCutDuringSnapshotInstall(asynchronousWrites: Bool) async throws {
        let entries = (1...5).map { Entry(term: 1, index: UInt64($0), kind: .normal, data: [UInt8($0)]) }
        let snapshot = Snapshot(metadata: .init(index: 20, term: 2, voters: [1, 2, 3]), data: [20])
        let configuration = RaftPeerDiskTests.configuration(asynchronousWrites: asynchronousWrites)
        var crashPoints = 0
        for k in 0..<200 {
            let acknowledged = try await withTemporaryDirectory { directory -> Bool in
                var acknowledged = false
                do {
                    let fileSystem = SharedCrashFileSystem()
                    let peer = try RaftPeer(
                        id: 1, peers: [2: RaftPeerDiskTests.unusedClient(), 3: RaftPeerDiskTests.unusedClient()],
                        logStore: DiskRaftStore(directory: directory, fileSystem: fileSystem),
                        configuration: configuration)
                    let append = Message(
                        type: .appendEntries, from: 2, to: 1, term: 1, logTerm: 0, index: 0, entries: entries,
                        commit: 3)
                    let appended = try await peer.step(StepRequest(messages: [append]))
                    #expect(appended.messages.contains { $0.type == .appendEntriesResponse && $0.index == 5 })
                    fileSystem.inject { $0.cutPower(afterOperations: k) }
                    let install = Message(type: .installSnapshot, from: 2, to: 1, term: 2, snapshot: snapshot)
                    if let answer = try? await peer.step(StepRequest(messages: [install])) {
                        acknowledged = answer.messages.contains { $0.type == .appendEntriesResponse && $0.index == 20 }
                    }
                    try fileSystem.crash()
                    await peer.kill()
                }
                let store = try DiskRaftStore(directory: directory)
                let state = try store.load()
                if let installed = state.snapshot {
                    #expect(installed == snapshot, "crash point \(k)")
                    #expect(state.entries.isEmpty, "crash point \(k)")
                } else {
                    #expect(!acknowledged, "crash point \(k): acknowledged a snapshot that is not on disk")
                    #expect(state.entries == entries, "crash point \(k): acknowledged entries lost")
                }
                store.close()
                if acknowledged {
                    let restarted = try RaftPeer(
                        id: 1, peers: [2: RaftPeerDiskTests.unusedClient(), 3: RaftPeerDiskTests.unusedClient()],
                        logStore: DiskRaftStore(directory: directory), configuration: configuration)
                    #expect(restarted.restoredSnapshot?.index == 20)
                    #expect(restarted.restoredSnapshot?.data == [20])
                    await restarted.kill()
                }
                return acknowledged
            }
            if acknowledged { break }
            crashPoints += 1
        }
        print("RaftPeerDiskFaultTests: swept \(crashPoints) crash points of a follower's snapshot install")
        #expect(crashPoints > 3 && crashPoints < 200)
    }
}
