import RPCProtobuf
import RSM

/// One shard's data: its key/value pairs and its de-duplication table (each client's last
/// write to this shard and the reply), which always move together.
///
/// Why per shard: a client's sequence numbers are global, but it sends write n+1 only after
/// seeing n's reply, so the last write a client made *to this shard* is all that is needed to
/// recognise a retry of it — wherever the shard lives by then. Deterministic: same writes in
/// the same order give the same table (including evictions past `maxSessions`).
package struct ShardStore: Sendable, Equatable {
    /// Keyed by ``StoredKey`` (hashed in one call; `[UInt8]` hashes a byte at a time).
    private(set) var values: [StoredKey: [UInt8]] = [:]
    private(set) var sessions: SessionTable

    package init(maxSessions: Int) {
        sessions = SessionTable(maxSessions: maxSessions)
    }

    /// The store holding a migrated or restored shard's data.
    package init(_ data: ShardData, maxSessions: Int) {
        sessions = SessionTable(maxSessions: maxSessions)
        sessions.restore(data.sessions)
        values.reserveCapacity(data.pairs.count)
        for pair in data.pairs { values[StoredKey(pair.key)] = pair.value }
    }

    package var count: Int { values.count }

    package func value(forKey key: [UInt8]) -> [UInt8]? { values[StoredKey(key)] }

    /// The wire form: pairs sorted by key, sessions by client id (identical on every replica).
    package func data(shard: Int) -> ShardData {
        let pairs = values.map { ShardData.Pair(key: $0.key.bytes, value: $0.value) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
        return ShardData(shard: shard, pairs: pairs, sessions: sessions.sortedRecords)
    }

    /// Executes a client operation applied at log `index`, at most once per write session: a
    /// retry of the client's latest write to this shard gets the cached reply, an older one
    /// gets `.ok` without effect (the client already saw its reply), and a write of a session
    /// this shard does not hold (never opened here, or evicted) `.sessionExpired` without effect
    /// (see `SessionTable`'s eviction policy). An opening (``ShardKVOperation/Kind/openSession``)
    /// only records the session.
    package mutating func apply(_ operation: ShardKVOperation, index: UInt64) -> ShardKVCommandResult {
        guard operation.isWrite, let session = operation.session else {
            // An opening without a session opens nothing (servers never log one).
            return operation.kind == .openSession ? ShardKVCommandResult(outcome: .ok) : execute(operation)
        }
        switch sessions.verdict(for: session) {
        case .duplicate(let reply):
            if let cached = try? ProtobufDeserializer<ShardKVCommandResult>().deserialize(reply) { return cached }
            preconditionFailure("a cached ShardKV reply always decodes")
        case .stale:
            return ShardKVCommandResult(outcome: .ok)
        case .expired:
            return ShardKVCommandResult(outcome: .sessionExpired)
        case .new:
            let result = execute(operation)
            sessions.record(session, reply: ShardKVStateMachine.encode(result), index: index)
            return result
        }
    }

    /// Get without a command.
    package func read(_ key: [UInt8]) -> ShardKVCommandResult {
        guard let value = values[StoredKey(key)] else { return ShardKVCommandResult(outcome: .noKey) }
        return ShardKVCommandResult(outcome: .ok, value: value, valuePresent: true)
    }

    private mutating func execute(_ operation: ShardKVOperation) -> ShardKVCommandResult {
        switch operation.kind {
        case .get:
            return read(operation.key)
        case .put:
            values[StoredKey(operation.key)] = operation.value
            return ShardKVCommandResult(outcome: .ok)
        case .append:
            values[StoredKey(operation.key), default: []].append(contentsOf: operation.value)
            return ShardKVCommandResult(outcome: .ok)
        case .delete:
            return values.removeValue(forKey: StoredKey(operation.key)) == nil
                ? ShardKVCommandResult(outcome: .noKey) : ShardKVCommandResult(outcome: .ok)
        case .openSession:
            return ShardKVCommandResult(outcome: .ok)
        }
    }
}
