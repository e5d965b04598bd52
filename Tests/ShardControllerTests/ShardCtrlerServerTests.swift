import RPCCore
import RSM
import ShardController
import Testing

/// The controller service end to end on a one-server group: every RPC through the clerk,
/// domain outcomes, requests that can never execute, malformed requests, exactly-once changes.
@Suite(.timeLimit(.minutes(1))) struct ShardCtrlerServerTests {
    @Test func everyOperationThroughTheClerk() async throws {
        try await ShardCtrlerLabCluster.with(servers: 1) { cluster in
            let clerk = await cluster.makeClerk(to: [0])
            #expect(try await clerk.query() == ShardConfig())
            #expect(try await clerk.join([7: ["a", "b"]]) == ChangeReply(outcome: .ok, configNum: 1))
            #expect(try await clerk.join([7: ["c"]]).outcome == .groupExists)
            #expect(try await clerk.join([8: ["c"], 9: ["d"]]) == ChangeReply(outcome: .ok, configNum: 2))
            #expect(try await clerk.move(shard: 0, to: 9) == ChangeReply(outcome: .ok, configNum: 3))
            #expect(try await clerk.move(shard: 1, to: 5).outcome == .noGroup)
            #expect(try await clerk.leave([8, 5]).outcome == .noGroup)
            #expect(try await clerk.leave([8]) == ChangeReply(outcome: .ok, configNum: 4))
            let latest = try await clerk.query()
            #expect(latest.num == 4)
            #expect(latest.gids == [7, 9])
            #expect(latest.groups[7] == ["a", "b"])
            #expect(try await clerk.query(3).shards[0] == 9)
            #expect(try await clerk.query(1).shards == Array(repeating: 7, count: 10))
            #expect(try await clerk.query(1000) == latest)
        }
    }

    /// A Leave of the last group without `force` is refused through the whole path (request
    /// field, log command, outcome, clerk error) and changes nothing; the clerk's default (the
    /// lab's Leave) forces it.
    @Test func anOrphaningLeaveNeedsForce() async throws {
        try await ShardCtrlerLabCluster.with(servers: 1) { cluster in
            let clerk = await cluster.makeClerk(to: [0])
            try await clerk.join([1: ["a"], 2: ["b"]])
            #expect(try await clerk.leave([1], force: false) == ChangeReply(outcome: .ok, configNum: 2))
            await #expect(throws: ShardCtrlerClerkError.wouldOrphanShards) { try await clerk.leave([2], force: false) }
            #expect(try await clerk.query().num == 2)
            let client = ShardCtrlerClient(wrapping: await cluster.makeRawClient(to: 0))
            let refused = try await client.leave(LeaveRequest(session: nil, gids: [2]))
            #expect(refused.outcome == .wouldOrphanShards)
            #expect(try await clerk.leave([2]) == ChangeReply(outcome: .ok, configNum: 3))
            let unassigned = Array(repeating: ShardConfig.noGroup, count: ShardConfig.shardCount)
            #expect(try await clerk.query().shards == unassigned)
        }
    }

    @Test func requestsThatCanNeverExecuteAreRejected() async throws {
        try await ShardCtrlerLabCluster.with(servers: 1) { cluster in
            let clerk = await cluster.makeClerk(to: [0])
            for attempt in 0..<6 {
                do {
                    switch attempt {
                    case 0: try await clerk.join([0: ["a"]])
                    case 1: try await clerk.join([3: []])
                    case 2: try await clerk.leave([])
                    case 3: try await clerk.move(shard: ShardConfig.shardCount, to: 1)
                    case 4: try await clerk.move(shard: -1, to: 1)
                    default: _ = try await clerk.query(-2)
                    }
                    Issue.record("attempt \(attempt) was accepted")
                } catch {
                    guard case .rejected(let rpcError)? = error as? ShardCtrlerClerkError else {
                        Issue.record("attempt \(attempt): unexpected \(error)")
                        continue
                    }
                    #expect(rpcError.code == .invalidArgument, "attempt \(attempt)")
                }
            }
            let latest = try await clerk.query()
            #expect(latest.num == 0, "nothing was logged")
        }
    }

    @Test(arguments: [
        ShardCtrlerService.Methods.join, ShardCtrlerService.Methods.leave, ShardCtrlerService.Methods.move,
        ShardCtrlerService.Methods.query,
    ])
    func malformedRequestsAreInvalidArgument(_ method: MethodDescriptor) async throws {
        try await ShardCtrlerLabCluster.with(servers: 1) { cluster in
            let client = await cluster.makeRawClient(to: 0)
            do {
                _ = try await client.unary(
                    request: ClientRequest(message: [0xFF, 0xFF]), descriptor: method, serializer: IdentityCoder(),
                    deserializer: IdentityCoder())
                Issue.record("a malformed request was answered")
            } catch let error as RPCError {
                #expect(error.code == .invalidArgument)
            }
        }
    }

    /// The same Join sent twice with one session (a retry) creates one configuration and gets
    /// the same reply.
    @Test func aRetriedChangeAppliesOnce() async throws {
        try await ShardCtrlerLabCluster.with(servers: 1) { cluster in
            let clerk = await cluster.makeClerk(to: [0])
            _ = try await clerk.query()  // waits for the leader
            let client = ShardCtrlerClient(wrapping: await cluster.makeRawClient(to: 0))
            #expect(try await client.openSession(OpenSessionRequest(clientID: 77)).outcome == .ok)
            let request = JoinRequest(session: ClientSession(clientID: 77, sequence: 1), groups: [4: ["s"]])
            let first = try await client.join(request)
            let retry = try await client.join(request)
            #expect(first == ChangeReply(outcome: .ok, configNum: 1))
            #expect(retry == first)
            #expect(try await clerk.query().num == 1)
        }
    }

    /// A change whose session was never opened (or was evicted) is refused, not applied, and
    /// a clerk whose session expired reports it and works again with a new session.
    @Test func aChangeOfAnUnopenedSessionIsRefused() async throws {
        try await ShardCtrlerLabCluster.with(servers: 1) { cluster in
            let clerk = await cluster.makeClerk(to: [0])
            _ = try await clerk.query()  // waits for the leader
            let client = ShardCtrlerClient(wrapping: await cluster.makeRawClient(to: 0))
            let request = JoinRequest(session: ClientSession(clientID: 78, sequence: 1), groups: [5: ["t"]])
            #expect(try await client.join(request).outcome == .sessionExpired)
            #expect(try await clerk.query().num == 0)
            try await clerk.join([6: ["u"]])
            #expect(try await clerk.query().num == 1)
        }
    }

    @Test func aClerkWithATimeoutGivesUpOnAnUnreachableGroup() async throws {
        try await ShardCtrlerLabCluster.with(servers: 1) { cluster in
            var configuration = ShardCtrlerClerk.Configuration()
            configuration.operationTimeout = .milliseconds(300)
            let clerk = ShardCtrlerClerk(
                servers: [.init(client: ShardCtrlerClient(wrapping: await cluster.makeRawClient(to: 0, enabled: false)))],
                configuration: configuration)
            do {
                _ = try await clerk.query()
                Issue.record("a query reached a disconnected server")
            } catch {
                #expect(error as? ShardCtrlerClerkError == .timedOut(.milliseconds(300)))
            }
        }
    }
}
