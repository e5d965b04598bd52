import KVRaft
import RaftRuntime
import RPCCore
import RSM
import Simulation
import Testing

/// The KV service end to end on a one-node group: every RPC, the size limits, malformed
/// requests, Status, and a restart from a snapshot.
@Suite(.timeLimit(.minutes(1))) struct KVServerTests {
    static func b(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func everyOperationThroughTheClerk() async throws {
        let group = try await OneNodeGroup()
        let clerk = group.clerk("c")
        #expect(try await clerk.get("k") == "")
        #expect(try await clerk.get(Self.b("k")) == nil)
        try await clerk.put("k", "a")
        try await clerk.append("k", "b")
        try await clerk.append("fresh", "x")
        #expect(try await clerk.get("k") == "ab")
        #expect(try await clerk.get("fresh") == "x")
        #expect(try await clerk.compareAndSwap(Self.b("k"), expected: Self.b("zz"), new: Self.b("c")) == .failed(current: Self.b("ab")))
        #expect(try await clerk.compareAndSwap(Self.b("k"), expected: Self.b("ab"), new: Self.b("c")) == .swapped)
        #expect(try await clerk.compareAndSwap(Self.b("new"), expected: nil, new: Self.b("1")) == .swapped)
        #expect(try await clerk.compareAndSwap(Self.b("new"), expected: nil, new: Self.b("2")) == .failed(current: Self.b("1")))
        #expect(try await clerk.compareAndSwap(Self.b("none"), expected: Self.b("x"), new: Self.b("2")) == .failed(current: nil))
        #expect(try await clerk.delete(Self.b("k")))
        #expect(try await !clerk.delete(Self.b("k")))
        #expect(try await clerk.get("k") == "")
        #expect(try await clerk.get("new") == "1")
        await group.shutdown()
    }

    /// Issue 12, defect 6: past `maxSessions` the oldest session is evicted; a retry of its
    /// write is refused with `.sessionExpired` instead of applying a second time, and a clerk
    /// whose session expired reports it once and goes on with a new session.
    @Test func anEvictedSessionsRetryIsRefusedNotAppliedTwice() async throws {
        var configuration = KVServer.Configuration()
        configuration.replication.maxSessions = 2
        let group = try await OneNodeGroup(configuration: configuration)
        #expect(try await group.clerk("first").get("log") == "", "a clerk waits for the leader")
        let raw = KVClient(wrapping: group.client("raw"))
        let evicted = ClientSession(clientID: 501, sequence: 1)
        // Before its opening the session is unknown: the write is refused, nothing applies.
        let append = AppendRequest(session: evicted, key: Self.b("log"), value: Self.b("a"))
        #expect(try await raw.append(append).outcome == .sessionExpired)
        #expect(try await raw.openSession(OpenSessionRequest(clientID: 501)).outcome == .ok)
        #expect(try await raw.append(append).outcome == .ok)
        #expect(try await raw.append(append).outcome == .ok, "a retry is answered from the session")
        // Two other clients write: 501 is the oldest of three sessions and is evicted.
        let idle = group.clerk("idle")
        try await idle.append("log", "i")
        try await group.clerk("other").append("log", "o")
        // The lost-reply retry of 501's write is refused, not applied a second time.
        #expect(try await raw.append(append).outcome == .sessionExpired)
        #expect(try await idle.get("log") == "aio")
        // A write numbered 0 is malformed (0 only opens a session).
        await #expect(throws: RPCError.self) {
            try await raw.put(PutRequest(session: ClientSession(clientID: 501, sequence: 0), key: [1], value: [2]))
        }
        // The "idle" clerk's session is evicted next by two newer ones; its next write tells the
        // caller, and the one after runs in a new session.
        let idleID = idle.clientID
        try await group.clerk("third").put("x", "3")
        try await group.clerk("fourth").put("x", "4")
        await #expect(throws: ClerkError.sessionExpired(clientID: idleID, sequence: 2)) {
            try await idle.append("log", "I")
        }
        #expect(idle.clientID != idleID)
        try await idle.append("log", "J")
        #expect(try await idle.get("log") == "aioJ")
        await group.shutdown()
    }

    @Test func keysAndValuesOverTheLimitsAreRejected() async throws {
        var configuration = KVServer.Configuration()
        configuration.maxKeyBytes = 8
        configuration.maxValueBytes = 16
        let group = try await OneNodeGroup(configuration: configuration)
        let clerk = group.clerk("c")
        try await clerk.put(Array(repeating: 1, count: 8), Array(repeating: 2, count: 16))
        for attempt in 0..<3 {
            do {
                switch attempt {
                case 0: try await clerk.put(Array(repeating: 1, count: 9), [])
                case 1: try await clerk.append(Self.b("k"), Array(repeating: 2, count: 17))
                default: _ = try await clerk.get(Array(repeating: 1, count: 9))
                }
                Issue.record("attempt \(attempt) was accepted")
            } catch {
                guard case .rejected(let rpcError) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(rpcError.code == .invalidArgument)
                #expect(rpcError.message.contains("limit"))
            }
        }
        await group.shutdown()
    }

    @Test(arguments: [
        KVService.Methods.get, KVService.Methods.openSession, KVService.Methods.put, KVService.Methods.append,
        KVService.Methods.delete, KVService.Methods.compareAndSwap, KVService.Methods.status,
    ])
    func malformedRequestsAreInvalidArgument(_ method: MethodDescriptor) async throws {
        let group = try await OneNodeGroup()
        let client = group.client("raw")
        do {
            _ = try await client.unary(
                request: ClientRequest(message: [0xFF, 0xFF]), descriptor: method, serializer: IdentityCoder(),
                deserializer: IdentityCoder())
            Issue.record("a malformed request was answered")
        } catch let error as RPCError {
            #expect(error.code == .invalidArgument)
        }
        await group.shutdown()
    }

    @Test func statusReportsTheGroup() async throws {
        let group = try await OneNodeGroup()
        let clerk = group.clerk("c")
        try await clerk.put("k", "v")
        let status = try await KVClient(wrapping: group.client("status")).status()
        #expect(status.id == 1)
        #expect(status.isLeader)
        #expect(status.leader?.leaderID == 1)
        #expect(status.term >= 1)
        #expect(status.appliedIndex >= 1)
        #expect(status.raftStateBytes > 0)
        await group.shutdown()
    }

    @Test func restartsFromItsSnapshot() async throws {
        var configuration = KVServer.Configuration()
        configuration.replication.maxRaftStateBytes = 300
        let persister = SimulatedPersister()
        let first = try await OneNodeGroup(configuration: configuration, persister: persister)
        let clerk = first.clerk("c")
        for i in 0..<40 { try await clerk.put("k\(i)", "v\(i)") }
        await first.shutdown()
        #expect(persister.snapshotSize > 0)
        #expect(persister.raftStateSize <= 8 * 300)

        let second = try await OneNodeGroup(configuration: configuration, persister: persister.copy())
        #expect(await second.server.replicationStatus().snapshotIndex > 0)
        let again = second.clerk("c2")
        for i in 0..<40 { #expect(try await again.get("k\(i)") == "v\(i)") }
        await second.shutdown()
    }
}

/// A replica that follows member 2: every request is redirected there.
private struct FollowerLog: ReplicatedLog {
    let applyStream = ApplyStream.makeStream().stream
    func propose(_ command: [UInt8]) async -> (index: UInt64, term: UInt64, isLeader: Bool) { (0, 4, false) }
    func readIndex(timeout: Duration) async throws(RaftPeerError) -> UInt64 { throw .notLeader(leaderHint: 2) }
    func state() async -> (term: UInt64, isLeader: Bool) { (4, false) }
    func leaderHint() async -> UInt64? { 2 }
    func commitIndex() async -> UInt64 { 0 }
    func raftStateSize() async -> Int { 0 }
    func snapshot(index: UInt64, data: [UInt8]) async {}
}

@Suite struct KVServerRedirectTests {
    @Test func aFollowerRedirectsToTheLeadersIdAndAddress() async throws {
        var configuration = KVServer.Configuration()
        configuration.memberAddresses = [1: "127.0.0.1:7001", 2: "127.0.0.1:7002"]
        let server = try KVServer(id: 1, log: FollowerLog(), restoredSnapshot: nil, configuration: configuration)
        await server.start()
        let expected = LeaderHint(leaderID: 2, address: "127.0.0.1:7002")
        let get = try await server.get(GetRequest(key: Array("k".utf8)))
        #expect(get.outcome == .wrongLeader)
        #expect(get.leader == expected)
        let put = try await server.put(PutRequest(session: nil, key: Array("k".utf8), value: Array("v".utf8)))
        #expect(put.outcome == .wrongLeader)
        #expect(put.leader == expected)
        let status = try await server.status(StatusRequest())
        #expect(status.leader == expected)
        await server.stop()
    }

    @Test func withoutAddressesTheHintCarriesTheIdOnly() async throws {
        let server = try KVServer(id: 1, log: FollowerLog(), restoredSnapshot: nil)
        await server.start()
        let get = try await server.get(GetRequest(key: Array("k".utf8)))
        #expect(get.leader == LeaderHint(leaderID: 2))
        await server.stop()
    }
}
