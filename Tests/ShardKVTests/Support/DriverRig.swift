import LabHarness
import Logging
import RaftRuntime
import RPCCore
import RPCProtobuf
import RSM
import ShardController

@testable import ShardKV

/// Test support: one replica's ShardKV state machine on a one-server Raft group, with
/// migration drivers the test makes and steps round by round (``ShardMigrationDriver/round()``)
/// instead of a server's own loop.
final class DriverRig: LabService {
    let gid: UInt64
    let peer: RaftPeer
    let machine: ReplicatedStateMachine
    private let controller: any ShardConfigSource
    private let makeClient: @Sendable (String) -> RPCClient

    /// Driver timings for tests: poll every 10 ms, 5 s per RPC or controller query (generous:
    /// a test that waits for an answer must not see it time out on a loaded machine).
    static let timing = ShardMigrationDriver.Timing(
        pollInterval: .milliseconds(10), migrationRPCTimeout: .seconds(5), controllerTimeout: .seconds(5))

    init(gid: UInt64, context: LabServerContext, controller: any ShardConfigSource) throws {
        self.gid = gid
        peer = context.peer
        self.controller = controller
        makeClient = context.makeEnd
        machine = try ReplicatedStateMachine(
            log: context.peer, stateMachine: ShardKVStateMachine(gid: gid), restoredSnapshot: context.restoredSnapshot)
    }

    /// A driver of this replica (not started).
    /// A driver of this replica (not started); with `leading` false, its view of the log says
    /// another replica leads.
    func makeDriver(logger: Logger = ShardKVFixture.quietLogger, leading: Bool = true) -> ShardMigrationDriver {
        ShardMigrationDriver(
            gid: gid, machine: machine, log: leading ? peer : FollowerView(peer: peer), controller: controller,
            makeClient: makeClient, timing: Self.timing, logger: logger)
    }

    func registerMethods(with router: inout RPCRouter) {}

    func start() async {
        await machine.start()
    }

    func stop() async {
        await machine.stop()
    }

    /// Waits (bounded) until the peer leads (a one-server group elects itself).
    func waitForLeadership() async throws {
        try await waitUntil("gid \(gid) to elect itself") { await peer.state().isLeader }
    }

    /// A look at the replica's state machine.
    func state<Result: Sendable>(_ body: @Sendable (ShardKVStateMachine) -> Result) async -> Result {
        await machine.inspect(ShardKVStateMachine.self) { machine, _ in body(machine) }
    }

    var configNum: UInt64 {
        get async { await state { $0.currentConfig.num } }
    }

    /// Logs `command` (as a client write or another replica's driver would) and returns its
    /// result.
    func submit(_ command: ShardKVCommand) async throws -> ShardKVCommandResult {
        let outcome = try await machine.submit(ProtobufSerializer<ShardKVCommand>().serialize(command), session: nil)
        guard case .applied(let reply) = outcome else { throw NotApplied(outcome: outcome) }
        return try ProtobufDeserializer<ShardKVCommandResult>().deserialize(reply)
    }
}

/// A command the rig submitted did not apply (this replica did not lead, or it timed out).
struct NotApplied: Error {
    let outcome: SubmitOutcome
}

/// The peer's log as a follower sees it: every call goes to the peer, but it never leads.
private struct FollowerView: ReplicatedLog {
    let peer: RaftPeer

    var applyStream: ApplyStream { peer.applyStream }
    func propose(_ command: [UInt8]) async -> (index: UInt64, term: UInt64, isLeader: Bool) { (0, 0, false) }
    func readIndex(timeout: Duration) async throws(RaftPeerError) -> UInt64 { throw .notLeader(leaderHint: nil) }
    func state() async -> (term: UInt64, isLeader: Bool) { (await peer.state().term, false) }
    func leaderHint() async -> UInt64? { nil }
    func commitIndex() async -> UInt64 { await peer.commitIndex() }
    func raftStateSize() async -> Int { await peer.raftStateSize() }
    func snapshot(index: UInt64, data: [UInt8]) async {}
}
