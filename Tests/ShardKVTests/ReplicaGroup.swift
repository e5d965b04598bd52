import RPCProtobuf
import RSM
import ShardController
import ShardKV
import Testing

/// Test support: one replica group as a few ``ShardKVStateMachine`` replicas fed the same
/// commands in the same order (what Raft guarantees), through the real wire encoding. Every
/// command must give byte-identical replies on every replica.
struct ReplicaGroup {
    let gid: UInt64
    private(set) var replicas: [ShardKVStateMachine]
    private var nextIndex: UInt64 = 1

    init(
        gid: UInt64, replicaCount: Int = 2,
        maxSessionsPerShard: Int = ShardKVStateMachine.defaultMaxSessionsPerShard
    ) {
        self.gid = gid
        replicas = Array(
            repeating: ShardKVStateMachine(gid: gid, maxSessionsPerShard: maxSessionsPerShard), count: replicaCount)
    }

    /// The first replica (all replicas hold the same state).
    var state: ShardKVStateMachine { replicas[0] }

    /// Encodes `command`, applies it at the next log index on every replica, checks that the
    /// replies agree, and returns the decoded reply.
    @discardableResult
    mutating func apply(_ command: ShardKVCommand) -> ShardKVCommandResult {
        let bytes: [UInt8]
        do {
            bytes = try ProtobufSerializer<ShardKVCommand>().serialize(command)
        } catch {
            Issue.record("command does not encode: \(error)")
            return ShardKVCommandResult(outcome: .invalidArgument)
        }
        return applyBytes(bytes)
    }

    /// Applies raw log bytes on every replica (for malformed input).
    @discardableResult
    mutating func applyBytes(_ bytes: [UInt8]) -> ShardKVCommandResult {
        let index = nextIndex
        nextIndex += 1
        let replies = replicas.indices.map { replicas[$0].apply(bytes, index: index) }
        #expect(Set(replies).count == 1, "replicas of gid \(gid) disagree at index \(index)")
        do {
            return try ProtobufDeserializer<ShardKVCommandResult>().deserialize(replies[0])
        } catch {
            Issue.record("reply does not decode: \(error)")
            return ShardKVCommandResult(outcome: .invalidArgument)
        }
    }

    @discardableResult
    mutating func install(_ config: ShardConfig) -> ShardKVCommandResult { apply(.installConfig(config)) }

    @discardableResult
    mutating func put(_ key: String, _ value: String, _ session: ClientSession? = nil) -> ShardKVCommandResult {
        apply(.clientOperation(
            ShardKVOperation(kind: .put, key: Array(key.utf8), value: Array(value.utf8), session: session)))
    }

    @discardableResult
    mutating func append(_ key: String, _ value: String, _ session: ClientSession? = nil) -> ShardKVCommandResult {
        apply(.clientOperation(
            ShardKVOperation(kind: .append, key: Array(key.utf8), value: Array(value.utf8), session: session)))
    }

    /// Opens `clientID`'s session on the shard of `key` (what a clerk does before its first
    /// write there).
    @discardableResult
    mutating func openSession(_ clientID: UInt64, onShardOf key: String) -> ShardKVCommandResult {
        let session = ClientSession(clientID: clientID, sequence: SessionTable.openingSequence)
        return apply(.clientOperation(ShardKVOperation(kind: .openSession, key: Array(key.utf8), session: session)))
    }

    mutating func get(_ key: String) -> ShardKVCommandResult {
        apply(.clientOperation(ShardKVOperation(kind: .get, key: Array(key.utf8))))
    }

    /// The value as a string, via the read (query) path, or `nil` if not served / absent.
    func read(_ key: String) -> String? {
        let result = state.read(Array(key.utf8))
        return result.outcome == .ok ? String(decoding: result.value, as: UTF8.self) : nil
    }

    /// Replaces replica `index` by a fresh one restored from replica 0's snapshot (a lagging
    /// follower receiving InstallSnapshot).
    mutating func restoreReplica(_ index: Int) throws {
        var fresh = ShardKVStateMachine(gid: gid)
        try fresh.restore(replicas[0].snapshot())
        replicas[index] = fresh
    }

    /// Whether every replica's snapshot has the same bytes.
    var replicasAgree: Bool { Set(replicas.map { $0.snapshot() }).count == 1 }
}

/// Configuration `num` with `owners[i]` serving shard i; each non-zero gid gets three servers
/// named as in the lab harness (`server-<gid>-<i>`).
func makeConfig(_ num: UInt64, _ owners: [UInt64]) -> ShardConfig {
    var groups: [UInt64: [String]] = [:]
    for gid in owners where gid != ShardConfig.noGroup {
        groups[gid] = (0..<3).map { "server-\(gid)-\($0)" }
    }
    return ShardConfig(num: num, shards: owners, groups: groups)
}

/// A key whose `key2shard` is `shard` ("0"..."9" cover every shard: "2" is shard 0).
func key(inShard shard: Int) -> String {
    String(UnicodeScalar(UInt8(48 + (shard + 2) % 10)))
}
