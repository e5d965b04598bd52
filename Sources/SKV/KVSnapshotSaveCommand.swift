import ArgumentParser
import KVRaft
import RPCCore
import RPCHTTP2NIO
import RSM

/// `skv kv snapshot save FILE`: asks the running group's leader for a consistent copy of its
/// state (`skv.kv.KV/Snapshot`: a ReadIndex round, then the state as applied through at least
/// that index, so every write acknowledged before the command is in it) and writes it to FILE
/// atomically (see ``SnapshotFile``). The copy is checked (it must decode and restore) before
/// it is written.
///
/// Saving from the running group rather than from a stopped member's data directory: nothing
/// has to stop, the copy is linearizable (a stopped member may lag the group by any number of
/// entries, and its log after its last snapshot would have to be replayed offline), and the
/// leader already encodes this exact form for lagging followers.
///
/// Exit status: 0 saved; 1 the file cannot be written or the copy does not decode; 2 invalid
/// options; 3 no leader answered within `--timeout`; 4 rejected.
struct KVSnapshotSaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Save a consistent copy of a running KV group's state to FILE.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "Where to write the snapshot (replaced atomically).")
    var file: String

    func run() async throws {
        let servers = options.servers()
        let reply = await fetchSnapshot(from: servers)
        var machine = KVStateMachine()
        let sessions: Int
        do {
            sessions = try ReplicatedStateMachine.verifySnapshot(reply.snapshot, restoringInto: &machine)
        } catch {
            fail("the group's snapshot does not decode: \(error)", status: 1)
        }
        let snapshot = SnapshotFile(service: .kv, index: reply.index, payload: reply.snapshot)
        do throws(SKVError) {
            try snapshot.write(to: file)
        } catch {
            fail(error.message, status: 1)
        }
        print(
            "saved \(file): index \(reply.index), \(machine.count) keys, \(sessions) sessions, "
                + "\(snapshot.payload.count + SnapshotFile.headerBytes) bytes")
    }

    /// The leader's reply, following leader hints within `--timeout` (exits 3 or 4 otherwise).
    private func fetchSnapshot(from servers: [Endpoint]) async -> SnapshotReply {
        var configuration = HTTP2ClientTransport.Configuration()
        configuration.maxReceiveMessageBytes = ReplicaHost.maxMessageBytes
        let tls = options.tls.transportTLS()
        let transports = servers.map { makeClientTransport(to: $0.address, tls: tls, configuration: configuration) }
        let group = ReplicaGroupCaller(
            replicas: zip(servers, transports).map {
                ReplicaGroupCaller.Replica(
                    client: KVClient(wrapping: RPCClient(transport: $1)), id: $0.id, address: "\($0.address)")
            },
            policy: ReplicaGroupCaller.Policy(
                operationTimeout: options.deadline, rpcTimeout: options.deadline, retryPause: .milliseconds(50)))
        let result: Result<SnapshotReply, ReplicaGroupCaller<KVClient>.Failure>
        do throws(ReplicaGroupCaller<KVClient>.Failure) {
            result = .success(
                try await group.perform({ try await $0.snapshot(options: $1) }) { reply in
                    switch reply.outcome {
                    case .wrongLeader:
                        .wrongLeader(leaderID: reply.leader?.leaderID ?? 0, address: reply.leader?.address ?? "")
                    case .timeout: .retry
                    default: .final
                    }
                })
        } catch {
            result = .failure(error)
        }
        for transport in transports { await transport.close() }
        switch result {
        case .success(let reply) where reply.outcome == .ok:
            return reply
        case .success(let reply):
            fail("the group answered \(reply.outcome) to Snapshot", status: ClientOptions.exitRejected)
        case .failure(.rejected(let error)):
            fail("rejected: \(error)", status: ClientOptions.exitRejected)
        case .failure(let error):
            fail("no leader sent a snapshot within \(options.timeout) s: \(error)", status: ClientOptions.exitUnavailable)
        }
    }
}
