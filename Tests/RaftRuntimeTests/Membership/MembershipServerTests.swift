import RaftRuntime
import RPCCore
import RPCInProcess
import Testing

/// `skv.raft.Membership` over the in-process transport with a scripted ``MembershipControl``:
/// every ``RaftPeerError`` becomes its reply status (leader hints with the address from the
/// replica's address book), malformed requests fail with `INVALID_ARGUMENT`, and the leader's
/// wait is the request's timeout, capped.
@Suite struct MembershipServerTests {
    /// Serves `control` in process for the duration of `body`.
    static func withServer<T: Sendable>(
        _ control: FakeMembershipControl, _ body: (MembershipClient) async throws -> T
    ) async throws -> T {
        let (serverTransport, clientTransport) = InProcessTransport.makePair()
        let server = RPCServer(transport: serverTransport, services: [MembershipServer(control: control)])
        let serving = Task { try await server.serve() }
        defer {
            server.beginGracefulShutdown()
            serving.cancel()
        }
        return try await body(MembershipClient(wrapping: RPCClient(transport: clientTransport)))
    }

    static let three = Membership.voters(3, leader: 2, index: 7)

    static let mappings: [(RaftPeerError, MembershipOutcome)] = [
        (.notLeader(leaderHint: 2), .notLeader(leaderID: 2, leaderAddress: "127.0.0.1:7002")),
        (.notLeader(leaderHint: 9), .notLeader(leaderID: 9, leaderAddress: nil)),
        (.notLeader(leaderHint: nil), .notLeader(leaderID: nil, leaderAddress: nil)),
        (.leadershipLost, .notLeader(leaderID: 2, leaderAddress: "127.0.0.1:7002")),
        (.leadershipTransferInProgress(transferee: 3), .transferringLeadership(transferee: 3, address: "127.0.0.1:7003")),
        (.membershipChangePending(index: 8), .changePending(index: 8)),
        (.membershipChangeRefused(reason: "node 4 was removed"), .refused(reason: "node 4 was removed")),
        (.membershipChangeWouldLoseQuorum(healthy: [1]), .wouldLoseQuorum(healthy: [1])),
        (.unknownNode(5), .refused(reason: "node 5 is not a member")),
        (.tooManyPendingReads(limit: 10), .refused(reason: "the leader is overloaded (10 pending)")),
        (.timeout, .timeout),
        (.stopped, .stopped),
    ]

    @Test(arguments: mappings)
    func everyErrorBecomesItsStatus(error: RaftPeerError, expected: MembershipOutcome) async throws {
        let control = FakeMembershipControl(Self.three, results: [.failure(error)])
        let reply = try await Self.withServer(control) { client in
            try await client.change(.remove(id: 1), timeout: .seconds(2))
        }
        #expect(reply.outcome == expected)
        #expect(reply.membership == Self.three)
    }

    @Test func successCarriesTheNewMembershipAndTheRequest() async throws {
        var grown = Membership.voters(3, leader: 2, index: 9)
        grown.members.append(.init(id: 4, address: "127.0.0.1:7004", role: .learner, promotesWhenCaughtUp: true))
        let control = FakeMembershipControl(Self.three, results: [.success(grown)])
        let reply = try await Self.withServer(control) { client in
            try await client.change(.add(id: 4, address: "127.0.0.1:7004"), force: true, timeout: .milliseconds(750))
        }
        #expect(reply.outcome == .ok)
        #expect(reply.membership == grown)
        let calls = await control.calls
        #expect(calls == [.init(request: .add(id: 4, address: "127.0.0.1:7004"), force: true, timeout: .milliseconds(750))])
    }

    @Test func listAnswersWithTheAppliedMembership() async throws {
        let reply = try await Self.withServer(FakeMembershipControl(Self.three)) { try await $0.list() }
        #expect(reply == MembershipReply(outcome: .ok, membership: Self.three))
    }

    @Test func theLeadersWaitDefaultsAndIsCapped() async throws {
        let control = FakeMembershipControl(Self.three)
        try await Self.withServer(control) { client in
            _ = try await client.change(.promote(id: 3))
            _ = try await client.change(.promote(id: 3), timeout: .seconds(3600))
        }
        let timeouts = await control.calls.map(\.timeout)
        #expect(timeouts == [MembershipServer.defaultChangeTimeout, MembershipServer.maxChangeTimeout])
    }

    @Test(arguments: [
        MembershipRequest.add(id: 0, address: "127.0.0.1:7004"), .remove(id: 0), .promote(id: 0),
        .addLearner(id: 4, address: ""), .add(id: 4, address: "127.0.0.1"), .add(id: 4, address: "host:0"),
        .add(id: 4, address: "host:99999"), .add(id: 4, address: ":7004"), .add(id: 4, address: "a b:7004"),
        .add(id: 4, address: String(repeating: "h", count: 300) + ":7004"),
    ])
    func malformedRequestsAreInvalidArgument(request: MembershipRequest) async throws {
        let control = FakeMembershipControl(Self.three)
        let error = try await Self.withServer(control) { client in
            await #expect(throws: RPCError.self) { try await client.change(request) }
        }
        #expect(error?.code == .invalidArgument)
        #expect(await control.calls.isEmpty)
    }
}
