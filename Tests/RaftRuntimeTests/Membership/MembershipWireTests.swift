import Raft
@testable import RaftRuntime
import RPCCore
import RPCProtobuf
import Testing

/// `skv.raft.Membership` messages survive the protobuf-c round trip; truncated or malformed
/// bytes fail with `INVALID_ARGUMENT` (or decode into something else), never crash.
@Suite struct MembershipWireTests {
    static let joint = Membership(
        members: [
            .init(id: 1, address: "10.0.0.1:7001", role: .voter),
            .init(id: 2, address: "10.0.0.2:7001", role: .outgoingVoter),
            .init(id: 4, address: nil, role: .learner, promotesWhenCaughtUp: true),
            .init(id: 5, address: "[::1]:7005", role: .voter),
        ],
        isJoint: true, index: 42, leaderID: 1, removedIDs: [3, 9])

    static let outcomes: [MembershipOutcome] = [
        .ok, .notLeader(leaderID: 2, leaderAddress: "10.0.0.2:7001"), .notLeader(leaderID: 2, leaderAddress: nil),
        .notLeader(leaderID: nil, leaderAddress: nil), .changePending(index: 41), .refused(reason: "id 3 was removed"),
        .wouldLoseQuorum(healthy: [1, 5]), .transferringLeadership(transferee: 5, address: "[::1]:7005"),
        .transferringLeadership(transferee: 5, address: nil), .timeout, .stopped,
    ]

    @Test(arguments: outcomes)
    func replyRoundTrips(outcome: MembershipOutcome) throws {
        let reply = MembershipReply(outcome: outcome, membership: Self.joint)
        let bytes = try ProtobufSerializer<MembershipReply>().serialize(reply)
        #expect(try ProtobufDeserializer<MembershipReply>().deserialize(bytes) == reply)
    }

    @Test func emptyMembershipRoundTrips() throws {
        let reply = MembershipReply(
            outcome: .ok, membership: Membership(members: [], isJoint: false, index: 0, leaderID: nil))
        let bytes = try ProtobufSerializer<MembershipReply>().serialize(reply)
        #expect(try ProtobufDeserializer<MembershipReply>().deserialize(bytes) == reply)
    }

    @Test func changeRequestRoundTrips() throws {
        let requests = [
            MembershipChangeRequest(.add(id: 4, address: "10.0.0.4:7001"), force: true, timeout: .milliseconds(1500)),
            MembershipChangeRequest(.remove(id: 2)), MembershipChangeRequest(.promote(id: 4), timeout: .seconds(1e12)),
        ]
        #expect(requests[0].timeoutMilliseconds == 1500)
        #expect(requests[2].timeoutMilliseconds == UInt32.max)
        for request in requests {
            let bytes = try ProtobufSerializer<MembershipChangeRequest>().serialize(request)
            #expect(try ProtobufDeserializer<MembershipChangeRequest>().deserialize(bytes) == request)
        }
    }

    /// Every prefix of a valid reply fails cleanly or decodes into a different reply.
    @Test func everyTruncationFailsCleanly() throws {
        let reply = MembershipReply(outcome: .wouldLoseQuorum(healthy: [1, 5]), membership: Self.joint)
        let bytes = try ProtobufSerializer<MembershipReply>().serialize(reply)
        var refused = 0
        for length in 0..<bytes.count {
            do throws(RPCError) {
                let decoded = try ProtobufDeserializer<MembershipReply>().deserialize(Array(bytes[..<length]))
                #expect(decoded != reply, "a prefix of \(length) bytes decoded into the whole reply")
            } catch {
                #expect(error.code == .invalidArgument)
                refused += 1
            }
        }
        #expect(refused > 0)
    }

    /// Hand-made replies a correct server never sends.
    @Test(arguments: [
        ("unknown status", [0x08, 0x09, 0x12, 0x00] as [UInt8]),
        ("no membership", [0x08, 0x00]),
        ("member id 0", [0x12, 0x04, 0x0a, 0x02, 0x18, 0x00]),
        ("unknown role", [0x12, 0x06, 0x0a, 0x04, 0x08, 0x01, 0x18, 0x07]),
        ("a member twice", [0x12, 0x08, 0x0a, 0x02, 0x08, 0x01, 0x0a, 0x02, 0x08, 0x01]),
        ("transfer without transferee", [0x08, 0x05, 0x12, 0x00]),
        ("invalid UTF-8 reason", [0x08, 0x03, 0x12, 0x00, 0x32, 0x01, 0xff]),
    ])
    func malformedReplyIsInvalidArgument(name: String, bytes: [UInt8]) {
        let error = #expect(throws: RPCError.self, "\(name)") {
            try ProtobufDeserializer<MembershipReply>().deserialize(bytes)
        }
        #expect(error?.code == .invalidArgument, "\(name)")
    }
}
