import DurableStorage
import KVRaft
import MapReduce
import RPCCore
import RPCHTTP2
import RPCProtobuf
import RSM
import Raft
import RaftRuntime
import ShardController
import ShardKV

/// Seed inputs for every target, made from real messages: values encoded by the production
/// serializers, state-machine snapshots after real commands, the bytes a real gRPC client
/// connection sends, and the files a real `DiskRaftStore` writes.
enum SeedCorpus {
    /// Writes `<directory>/<target>/seed-<n>` for every target.
    static func write(to directory: String) throws {
        let fileSystem = PosixFileSystem()
        try fileSystem.createDirectory(directory)
        for target in FuzzTarget.allCases {
            let targetDirectory = directory + "/" + target.rawValue
            try fileSystem.createDirectory(targetDirectory)
            for (index, seed) in seeds(for: target).enumerated() {
                try fileSystem.writeAtomically(targetDirectory + "/seed-\(index)", chunks: [seed])
            }
        }
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        try PosixFileSystem().readWholeFile(path)
    }

    static func seeds(for target: FuzzTarget) -> [[UInt8]] {
        switch target {
        case .raftWire: raftSeeds()
        case .kvWire: kvSeeds()
        case .shardCtrlerWire: shardCtrlerSeeds()
        case .shardKVWire: shardKVSeeds()
        case .rsmWire: rsmSeeds()
        case .mapReduceWire: mapReduceSeeds()
        case .http2Server: http2Seeds()
        case .http2Client: http2ClientSeeds()
        case .storage: storageSeeds()
        case .raftNode: raftNodeSeeds()
        }
    }

    // MARK: Wire

    /// `selector` followed by the encoding of `value` (the layout of the wire targets).
    static func seed<Message: ProtobufCConvertible>(_ selector: UInt8, _ value: Message) -> [UInt8] {
        let bytes = mustSucceed("encode a seed \(Message.self)") { () throws(RPCError) in
            try ProtobufSerializer<Message>().serialize(value)
        }
        return [selector] + bytes
    }

    static let sampleEntries = [
        Entry(term: 1, index: 1, kind: .noop),
        Entry(term: 1, index: 2, kind: .normal, data: Array("put k v".utf8)),
        Entry(term: 2, index: 3, kind: .configChange, data: [1, 2, 3]),
    ]

    static let sampleMessages = [
        Message(type: .appendEntries, from: 1, to: 2, term: 2, logTerm: 1, index: 1, entries: sampleEntries, commit: 1),
        Message(type: .appendEntriesResponse, from: 2, to: 1, term: 2, index: 3, reject: true, rejectHint: 2),
        Message(type: .requestVote, from: 3, to: 1, term: 4, logTerm: 2, index: 3),
        Message(type: .heartbeat, from: 1, to: 3, term: 4, commit: 3, context: [9, 9]),
        Message(
            type: .installSnapshot, from: 1, to: 2, term: 4,
            snapshot: Snapshot(metadata: .init(index: 10, term: 3, voters: [1, 2, 3]), data: Array("state".utf8))),
        Message(type: .readIndexResponse, from: 1, to: 2, term: 4, index: 3, context: [1]),
    ]

    static func raftSeeds() -> [[UInt8]] {
        [
            seed(0, StepRequest(messages: sampleMessages)),
            seed(0, StepRequest(messages: [sampleMessages[0]])),
            seed(1, StepResponse(messages: [sampleMessages[1], sampleMessages[5]])),
            seed(2, PersistentState(
                hardState: HardState(term: 4, vote: 1, commit: 2), entries: sampleEntries,
                snapshot: .init(index: 0, term: 0, voters: [1, 2, 3]))),
            seed(3, ListMembersRequest()),
            seed(4, MembershipChangeRequest(.add(id: 4, address: "10.0.0.4:7001"), force: true, timeout: .seconds(5))),
            seed(
                5,
                MembershipReply(
                    outcome: .notLeader(leaderID: 2, leaderAddress: "10.0.0.2:7001"), membership: sampleMembership)),
            seed(5, MembershipReply(outcome: .wouldLoseQuorum(healthy: [1, 2]), membership: sampleMembership)),
        ] + SnapshotChunks(
            Message(
                type: .installSnapshot, from: 1, to: 4, term: 3,
                snapshot: Snapshot(metadata: .init(index: 9, term: 3, voters: [1, 2, 3]), data: Array("state".utf8))),
            chunkBytes: 3
        ).map { seed(6, $0) }
    }

    static let sampleMembership = Membership(
        members: [
            .init(id: 1, address: "10.0.0.1:7001", role: .voter), .init(id: 2, address: "10.0.0.2:7001", role: .voter),
            .init(id: 3, address: nil, role: .outgoingVoter),
            .init(id: 4, address: "10.0.0.4:7001", role: .learner, promotesWhenCaughtUp: true),
        ],
        isJoint: true, index: 12, leaderID: 2, removedIDs: [5])

    /// Encoded commands of each state machine: seeds, and probes run after a fuzzed restore.
    static let kvCommands = [
        KVCommand(kind: .put, key: Array("a".utf8), value: Array("1".utf8)),
        KVCommand(kind: .append, key: Array("a".utf8), value: Array("2".utf8)),
        KVCommand(kind: .put, key: Array("b".utf8), value: []),
        KVCommand(kind: .compareAndSwap, key: Array("b".utf8), value: [3], expected: []),
        KVCommand(kind: .delete, key: Array("c".utf8)),
        KVCommand(kind: .get, key: Array("a".utf8)),
    ].map { encode($0) }

    static func encode<Message: ProtobufCConvertible>(_ value: Message) -> [UInt8] {
        Array(seed(0, value).dropFirst())
    }

    static func kvSeeds() -> [[UInt8]] {
        let session = ClientSession(clientID: 7, sequence: 3)
        var machine = KVStateMachine()
        var result = [
            seed(0, GetRequest(key: Array("key".utf8))),
            seed(1, GetReply(outcome: .ok, value: Array("value".utf8))),
            seed(2, PutRequest(session: session, key: Array("k".utf8), value: Array("v".utf8))),
            seed(3, AppendRequest(session: session, key: Array("k".utf8), value: Array("w".utf8))),
            seed(4, DeleteRequest(session: session, key: Array("k".utf8))),
            seed(6, CompareAndSwapRequest(
                session: session, key: Array("k".utf8), expected: [1], expectAbsent: false, value: [2])),
            seed(11, KVCommandResult(outcome: .compareFailed, value: [1], valuePresent: true)),
        ]
        for (index, command) in kvCommands.enumerated() {
            result.append([10] + command)
            result.append([13] + command)
            _ = machine.apply(command, index: UInt64(index + 1))
        }
        result.append([12] + machine.snapshot())
        result.append([13] + machine.snapshot())
        return result
    }

    static let sampleGroups: [UInt64: [String]] = [100: ["a:1", "b:2"], 101: ["c:3"]]

    static let shardCtrlerCommands = [
        ShardCtrlerCommand.join(sampleGroups), .move(shard: 3, gid: 101), .leave([100], force: false), .query(-1),
        .query(0), .join([102: ["d:4"]]), .leave([101, 102], force: true),
    ].map { encode($0) }

    static func shardCtrlerSeeds() -> [[UInt8]] {
        var machine = ShardCtrlerStateMachine()
        var result = [
            seed(0, JoinRequest(session: ClientSession(clientID: 1, sequence: 1), groups: sampleGroups)),
            seed(3, QueryRequest(num: -1)),
        ]
        for (index, command) in shardCtrlerCommands.prefix(4).enumerated() {
            result.append([7] + command)
            result.append([10] + command)
            result.append([8] + machine.apply(command, index: UInt64(index + 1)))
        }
        result.append([6] + mustSucceed("encode a config") { () throws(RPCError) in
            try ProtobufSerializer<ShardConfig>().serialize(machine.config(-1))
        })
        result.append([4] + Array(machine.query(Array(seed(7, ShardCtrlerCommand.query(1)).dropFirst()))))
        result.append([9] + machine.snapshot())
        result.append([10] + machine.snapshot())
        return result
    }

    static let sampleSession = ClientSession(clientID: 9, sequence: 1)
    static let sampleShardData = ShardData(
        shard: 2, pairs: [.init(key: [1], value: [2])],
        sessions: [SessionRecord(clientID: 9, sequence: 1, reply: [], lastIndex: 4)])

    static let shardKVCommands: [[UInt8]] = {
        let owners: [UInt64] = [100, 100, 101, 101, 100, 100, 101, 100, 100, 100]
        let config = ShardConfig(num: 1, shards: owners, groups: sampleGroups)
        let next = ShardConfig(num: 2, shards: Array(repeating: 100, count: ShardConfig.shardCount), groups: sampleGroups)
        let commands: [ShardKVCommand] = [
            .installConfig(config),
            .clientOperation(ShardKVOperation(kind: .put, key: Array("k".utf8), value: [1], session: sampleSession)),
            .clientOperation(ShardKVOperation(kind: .append, key: Array("k".utf8), value: [2], session: sampleSession)),
            .installConfig(next),
            .insertShards(configNum: 2, data: [sampleShardData]),
            .deleteShards(configNum: 2, shards: [4, 5]),
            .shardsGarbageCollected(configNum: 2, shards: [2, 3]),
            .clientOperation(ShardKVOperation(kind: .get, key: Array("k".utf8))),
        ]
        return commands.map { encode($0) }
    }()

    static func shardKVSeeds() -> [[UInt8]] {
        var machine = ShardKVStateMachine(gid: 100)
        let session = sampleSession
        let data = sampleShardData
        var result = [
            seed(2, ShardKVPutRequest(session: session, key: [1], value: [2])),
            seed(8, PullShardsRequest(configNum: 3, shards: [0, 9])),
            seed(12, data),
        ]
        for (index, command) in shardKVCommands.enumerated() {
            result.append([13] + command)
            result.append([16] + command)
            result.append([14] + machine.apply(command, index: UInt64(index + 1)))
        }
        result.append([15] + machine.snapshot())
        result.append([16] + machine.snapshot())
        return result
    }

    static func rsmSeeds() -> [[UInt8]] {
        let records = [
            SessionRecord(clientID: 3, sequence: 9, reply: [1, 2], lastIndex: 40),
            SessionRecord(clientID: 1, sequence: 2, reply: [], lastIndex: 41),
        ]
        return [
            seed(0, Envelope(clientID: 3, sequence: 9, command: Array("command".utf8))),
            seed(1, records[0]),
            seed(2, LeaderHint(leaderID: 2, address: "127.0.0.1:7001")),
            seed(3, WireSession(ClientSession(clientID: 5, sequence: 6))),
            seed(4, ServiceSnapshot(sessions: records, state: Array("state".utf8))),
        ]
    }

    static func mapReduceSeeds() -> [[UInt8]] {
        [
            seed(0, TaskRequest(workerID: "worker-1")),
            seed(1, TaskAssignment(kind: .map, taskNumber: 3, inputFile: "pg-1.txt", mapCount: 8, reduceCount: 10, attempt: 1)),
            seed(2, TaskReport(kind: .reduce, taskNumber: 4, attempt: 2)),
            seed(3, TaskReportReply()),
        ]
    }

    // MARK: HTTP/2

    /// What a real client connection sends: unary and streaming calls, with metadata and a
    /// deadline, a ping, and a GOAWAY. The preface is included (control bit 0 clear).
    static func http2Seeds() -> [[UInt8]] {
        let method = MethodDescriptor(service: "skv.raft.Raft", method: "Step")
        let request = Array(seed(0, StepRequest(messages: sampleMessages)).dropFirst())
        var metadata = Metadata()
        metadata.addString("value", forKey: "x-custom")
        metadata.add(.binary([0, 1, 255]), forKey: "x-trace-bin")
        let scenarios: [(GRPCClientConnection) -> Void] = [
            { client in
                guard let stream = client.openStream(descriptor: method, metadata: [:], timeout: nil) else { return }
                client.sendMessage(request, on: stream)
                client.finishRequest(on: stream)
            },
            { client in
                guard let stream = client.openStream(descriptor: method, metadata: metadata, timeout: .seconds(5))
                else { return }
                client.sendMessage([1, 2, 3], on: stream)
                client.sendMessage([], on: stream)
                client.sendMessage(request, on: stream)
                client.finishRequest(on: stream)
                client.sendPing()
            },
            { client in
                for _ in 0..<3 {
                    guard let stream = client.openStream(descriptor: method, metadata: [:], timeout: nil) else { return }
                    client.sendMessage([7], on: stream)
                    client.cancel(stream)
                }
                client.sendGoAway()
            },
        ]
        var result: [[UInt8]] = []
        for (index, scenario) in scenarios.enumerated() {
            let client = GRPCClientConnection(configuration: .init(authority: "localhost"))
            scenario(client)
            var bytes: [UInt8] = []
            mustSucceed("collect a client's output") { () throws(HTTP2ConnectionError) in
                try client.collectOutput(into: &bytes)
            }
            // Control: no preface added, answer streams; varied chunk sizes and pausing.
            result.append([UInt8(2 | (index % 2) << 2 | (index * 5) << 4)] + bytes)
            result.append([0xF2] + bytes)
        }
        // Structured requests (control bit 3, preface added): valid gRPC headers, then
        // variations of the fields the server validates.
        let length = UInt32(request.count)
        let framed = [0] + (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * (3 - UInt32($0)))) } + request
        let valid = [
            (":method", "POST"), (":scheme", "http"), (":path", "/skv.raft.Raft/Step"), (":authority", "localhost"),
            ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-timeout", "5S"),
            ("x-trace-bin", "AAH/"), ("x-custom", "value"),
        ]
        let variations: [[(String, String)]] = [
            valid,
            valid.map { $0.0 == "grpc-timeout" ? ($0.0, "99999999H") : $0 },
            valid.map { $0.0 == "x-trace-bin" ? ($0.0, "!!notbase64") : $0 },
            valid.map { $0.0 == "content-type" ? ($0.0, "text/plain") : $0 } + [("grpc-encoding", "gzip")],
            valid.map { $0.0 == ":path" ? ($0.0, "no-slash") : $0 },
        ]
        for fields in variations {
            result.append([0x0B] + HTTP2ServerFuzzing.structuredSpec(fields: fields, payload: framed))
        }
        return result
    }

    /// What a real server connection answers to the calls the client target opens: full
    /// responses, trailers-only errors with trailers, and a response followed by GOAWAY.
    static func http2ClientSeeds() -> [[UInt8]] {
        var result: [[UInt8]] = []
        for mode in 0..<3 {
            let client = GRPCClientConnection(configuration: .init(authority: "localhost"))
            _ = HTTP2ClientFuzzing.openCalls(on: client)
            var request: [UInt8] = []
            mustSucceed("collect a client's output") { () throws(HTTP2ConnectionError) in
                try client.collectOutput(into: &request)
            }
            let server = GRPCServerConnection()
            let received = request.withUnsafeBytes { (try? server.receive($0)) != nil }
            check(received, "a server rejected a real client's request")
            for case .streamOpened(let streamID, _, _, _) in server.takeEvents() {
                switch mode {
                case 0:
                    server.send(.metadata(["x-reply": .string("1")]), on: streamID)
                    server.send(.message([0x0A, 0x02, 0x68, 0x69]), on: streamID)
                    server.send(.status(Status(code: .ok, message: ""), [:]), on: streamID)
                case 1:
                    server.send(.status(Status(code: .notFound, message: "no such key"), ["x-reason": .string("gone")]), on: streamID)
                default:
                    server.send(.message([0x0A, 0x00]), on: streamID)
                }
            }
            if mode == 2 { server.sendGoAway() }
            var response: [UInt8] = []
            mustSucceed("collect a server's output") { () throws(HTTP2ConnectionError) in
                try server.collectOutput(into: &response)
            }
            result.append([UInt8(mode * 5) | (mode == 1 ? 0x10 : 0) | (mode == 2 ? 0x20 : 0)] + response)
            result.append([0x0F] + response)
        }
        return result
    }

    // MARK: Storage

    /// The files of real stores: entries over several segments, a snapshot, hard state.
    static func storageSeeds() -> [[UInt8]] {
        var result: [[UInt8]] = []
        for withSnapshot in [false, true] {
            let fileSystem = InMemoryFileSystem()
            mustSucceed("write a seed store") { () throws(RaftStoreError) in
                let store = try DiskRaftStore(
                    directory: StorageFuzzing.directory, fileSystem: fileSystem, walConfig: StorageFuzzing.walConfig)
                _ = try store.load()
                var entries: [Entry] = []
                for index in UInt64(1)...12 {
                    entries.append(Entry(term: 1 + index / 5, index: index, data: Array(repeating: UInt8(index), count: 300)))
                }
                try store.persist(hardState: HardState(term: 3, vote: 2, commit: 9), entries: entries, snapshot: nil, mustSync: true)
                if withSnapshot {
                    try store.compact(snapshot: Snapshot(metadata: .init(index: 6, term: 2, voters: [1, 2, 3]), data: [5, 5]))
                }
                store.close()
            }
            result.append(StorageFuzzing.input(from: fileSystem.files))
        }
        return result
    }
}

extension SeedCorpus {
    // MARK: Raft node

    /// Programs of seeded random bytes (``FuzzInput`` favours plausible values, so most steps
    /// are meaningful), one per group size and option set.
    static func raftNodeSeeds() -> [[UInt8]] {
        var random = SplitMix64(seed: 0x5EED)
        return [0x00, 0x01, 0x02, 0x05, 0x0D, 0x19, 0x2E, 0x4D].map { flags in
            [flags] + (0..<600).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
    }
}
