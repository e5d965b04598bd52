import DurableStorage
import Foundation
import Raft
import RaftRuntime
import RPCCore
import Testing

/// `RaftPeer` on `DiskRaftStore`: restarts keep committed entries; a failing store stops the
/// peer before it can vote or acknowledge. Each test runs with the store's writes on the
/// peer's executor and on its own storage queue (``RaftPeer/Configuration/writesStorageAsynchronously``).
@Suite("RaftPeer on disk")
struct RaftPeerDiskTests {
    /// The in-process cluster's configuration with or without asynchronous writes.
    static func configuration(asynchronousWrites: Bool) -> RaftPeer.Configuration {
        var configuration = InProcessRaftCluster.fastConfiguration
        configuration.writesStorageAsynchronously = asynchronousWrites
        return configuration
    }

    @Test(arguments: [false, true]) func fullRestartKeepsCommittedEntries(asynchronousWrites: Bool) async throws {
        let configuration = Self.configuration(asynchronousWrites: asynchronousWrites)
        try await withTemporaryDirectory { root in
            let directories = (1...3).map { "\(root)/peer\($0)" }
            var committed: [UInt64: [UInt8]] = [:]
            do {
                let cluster = try InProcessRaftCluster(n: 3, configuration: configuration) { id in
                    try DiskRaftStore(directory: directories[Int(id) - 1])
                }
                await cluster.start()
                var last: UInt64 = 0
                for k in 0..<20 {
                    let command = Array("cmd-\(k)".utf8)
                    last = try await cluster.propose(command)
                    committed[last] = command
                }
                for recorder in cluster.recorders { #expect(await recorder.waitFor(index: last)) }
                // A snapshot on one peer: it must come back as `restoredSnapshot`.
                await cluster.peers[0].snapshot(index: 5, data: [5])
                await cluster.shutdown()
            }
            let cluster = try InProcessRaftCluster(n: 3, configuration: configuration) { id in
                try DiskRaftStore(directory: directories[Int(id) - 1])
            }
            #expect(cluster.peers[0].restoredSnapshot?.index == 5)
            #expect(cluster.peers[0].restoredSnapshot?.data == [5])
            await cluster.start()
            let index = try await cluster.propose(Array("after-restart".utf8))
            #expect(index > committed.keys.max()!)
            for (i, recorder) in cluster.recorders.enumerated() {
                #expect(await recorder.waitFor(index: index))
                let commands = await recorder.commands()
                let first: UInt64 = i == 0 ? 6 : 1
                for (index, command) in committed where index >= first {
                    #expect(commands[index] == command, "peer \(i + 1) index \(index)")
                }
            }
            await cluster.shutdown()
        }
    }

    /// Power loss on every machine at once while proposals keep coming: after a restart,
    /// every command the leader had applied (so a quorum had synced) is delivered again on
    /// every peer; unsynced tails may be lost, nothing else.
    @Test(arguments: [false, true]) func crashOfAllPeersKeepsAcknowledgedCommands(asynchronousWrites: Bool) async throws {
        let configuration = Self.configuration(asynchronousWrites: asynchronousWrites)
        try await withTemporaryDirectory { root in
            let directories = (1...3).map { "\(root)/peer\($0)" }
            let fileSystems = (1...3).map { _ in SharedCrashFileSystem() }
            let acknowledged: [UInt64: [UInt8]]
            do {
                let cluster = try InProcessRaftCluster(n: 3, configuration: configuration) { id in
                    try DiskRaftStore(directory: directories[Int(id) - 1], fileSystem: fileSystems[Int(id) - 1])
                }
                await cluster.start()
                let leader = try await cluster.leader()
                let recorder = cluster.recorders[Int(leader.id) - 1]
                for k in 0..<30 {
                    _ = await leader.propose(Array("x-\(k)".utf8))
                    if k % 3 == 0 { try await Task.sleep(for: .milliseconds(1)) }
                }
                _ = await recorder.waitFor(index: 20)
                // Pull the plug mid-stream: the leader is still replicating the tail.
                for fileSystem in fileSystems { try fileSystem.crash() }
                acknowledged = await recorder.commands()
                await cluster.shutdown()
            }
            #expect(acknowledged.count >= 19)
            let cluster = try InProcessRaftCluster(n: 3, configuration: configuration) { id in
                try DiskRaftStore(directory: directories[Int(id) - 1])
            }
            await cluster.start()
            let marker = try await cluster.propose(Array("after".utf8))
            for (i, recorder) in cluster.recorders.enumerated() {
                #expect(await recorder.waitFor(index: marker))
                let commands = await recorder.commands()
                for (index, command) in acknowledged {
                    #expect(commands[index] == command, "peer \(i + 1) lost acknowledged index \(index)")
                }
            }
            await cluster.shutdown()
        }
    }

    /// Waits (bounded) until `peer` is leader; a single voter elects itself.
    static func waitForLeadership(_ peer: RaftPeer) async throws {
        for _ in 0..<500 where !(await peer.status().isLeader) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(await peer.status().isLeader, "no leader within 5 s")
    }

    /// A single voter without the election no-op loses power after three acknowledged
    /// writes; its stored commit index lagged (commit-only changes are not synced). After the
    /// restart its ReadIndex must not answer below 3 (a read there would miss acknowledged
    /// writes): it waits for an entry of its new term, so it times out until one commits.
    @Test(arguments: [false, true]) func singleVoterReadAfterCrashSeesAcknowledgedWrites(
        asynchronousWrites: Bool
    ) async throws {
        try await withTemporaryDirectory { root in
            let directory = root + "/peer1"
            var configuration = RaftPeer.Configuration()
            configuration.appendsNoopOnElection = false
            configuration.writesStorageAsynchronously = asynchronousWrites
            do {
                let fileSystem = SharedCrashFileSystem()
                let peer = try RaftPeer(
                    id: 1, peers: [:], logStore: DiskRaftStore(directory: directory, fileSystem: fileSystem),
                    configuration: configuration)
                await peer.start()
                try await Self.waitForLeadership(peer)
                for k in 1...3 { #expect(await peer.propose([UInt8(k)]).index == UInt64(k)) }
                var applied: UInt64 = 0
                for await message in peer.applyStream {
                    if case .command(let index, _, _) = message { applied = index }
                    if applied == 3 { break }
                }
                try fileSystem.crash()  // no close: the commit index on disk lags
                await peer.kill()
            }
            let peer = try RaftPeer(
                id: 1, peers: [:], logStore: DiskRaftStore(directory: directory), configuration: configuration)
            await peer.start()
            try await Self.waitForLeadership(peer)
            do {
                let index = try await peer.readIndex(timeout: .milliseconds(300))
                #expect(index >= 3, "stale read index \(index) after restart")
            } catch RaftPeerError.timeout {
                // Correct: nothing of the new term has committed yet.
            }
            let written = await peer.propose([4])
            #expect(written.index == 4)
            let index = try await peer.readIndex(timeout: .seconds(5))
            #expect(index >= 4)
            await peer.kill()
        }
    }

    /// A peer whose store fails while handling a vote request stops without answering.
    @Test(arguments: [false, true]) func persistFailureStopsThePeerBeforeItVotes(asynchronousWrites: Bool) async throws {
        try await withTemporaryDirectory { directory in
            let fault = FaultSwitch()
            let peer = try RaftPeer(
                id: 1, peers: [2: Self.unusedClient(), 3: Self.unusedClient()],
                logStore: DiskRaftStore(directory: directory, fileSystem: SwitchableFaultFileSystem(fault: fault)),
                configuration: Self.configuration(asynchronousWrites: asynchronousWrites))
            fault.failSyncs()
            let vote = Message(type: .requestVote, from: 2, to: 1, term: 5, logTerm: 0, index: 0)
            await #expect(throws: RPCError.self) {
                _ = try await peer.step(StepRequest(messages: [vote]))
            }
            let status = await peer.status()
            #expect(status.isStopped)
            guard case .io = status.storeFailure else {
                Issue.record("expected an I/O failure, got \(String(describing: status.storeFailure))")
                return
            }
            // Stopped for good: later messages are refused too, proposals are not accepted.
            await #expect(throws: RPCError.self) {
                _ = try await peer.step(StepRequest(messages: [vote]))
            }
            #expect(await peer.propose([1]).isLeader == false)
            await peer.kill()
            // kill() released the directory: a replacement peer may open it.
            _ = try DiskRaftStore(directory: directory)
        }
    }

    /// A client whose calls always fail (nobody listens).
    static func unusedClient() -> RaftPeerClient {
        RaftPeerClient(wrapping: RPCClient(transport: FailingClientTransport()))
    }
}
