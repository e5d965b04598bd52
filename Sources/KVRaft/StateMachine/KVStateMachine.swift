public import RSM
import RPCProtobuf

/// The key/value state of one KVRaft replica: byte keys to byte values, and the one place the
/// operations' semantics are defined.
///
/// - Get: the value, or `.noKey`.
/// - Put: sets the value.
/// - Append: appends to the value (a missing key counts as the empty value).
/// - Delete: removes the key (`.noKey` if it does not exist).
/// - CompareAndSwap: sets the value if the key exists and equals `expected` (`.noKey` if it does
///   not exist), or, with `expectAbsent`, if the key does not exist (create-if-absent);
///   otherwise `.compareFailed` with the current value, and nothing is written.
///
/// As a ``StateMachine`` it reads commands as `skv.kv.Command` and replies with
/// `skv.kv.CommandResult`; its snapshot is `skv.kv.StateSnapshot` with keys in byte order, and
/// holds only the live pairs (no history, no tombstones), so it stays as small as the data.
public struct KVStateMachine: CopyOnWriteStateMachine {
    private var values: [StoredKey: [UInt8]] = [:]

    public init() {}

    /// Number of keys.
    public var count: Int { values.count }

    /// The value of `key`, if it exists.
    public func value(forKey key: [UInt8]) -> [UInt8]? { values[StoredKey(key)] }

    /// Executes one operation.
    public mutating func execute(_ command: KVCommand) -> KVCommandResult {
        switch command.kind {
        case .get:
            return read(command.key)
        case .put:
            values[StoredKey(command.key)] = command.value
            return KVCommandResult(outcome: .ok)
        case .append:
            values[StoredKey(command.key), default: []].append(contentsOf: command.value)
            return KVCommandResult(outcome: .ok)
        case .delete:
            return values.removeValue(forKey: StoredKey(command.key)) == nil
                ? KVCommandResult(outcome: .noKey) : KVCommandResult(outcome: .ok)
        case .compareAndSwap:
            let key = StoredKey(command.key)
            let current = values[key]
            if command.expectAbsent {
                guard let current else {
                    values[key] = command.value
                    return KVCommandResult(outcome: .ok)
                }
                return KVCommandResult(outcome: .compareFailed, value: current, valuePresent: true)
            }
            guard let current else { return KVCommandResult(outcome: .noKey) }
            guard current == command.expected else {
                return KVCommandResult(outcome: .compareFailed, value: current, valuePresent: true)
            }
            values[key] = command.value
            return KVCommandResult(outcome: .ok)
        }
    }

    /// Get without a command.
    public func read(_ key: [UInt8]) -> KVCommandResult {
        guard let value = values[StoredKey(key)] else { return KVCommandResult(outcome: .noKey) }
        return KVCommandResult(outcome: .ok, value: value, valuePresent: true)
    }

    // MARK: StateMachine

    /// Bytes that are not an `skv.kv.Command` (no KVServer writes such an entry) apply as a
    /// no-op with an empty reply, identically on every replica.
    public mutating func apply(_ command: [UInt8], index: UInt64) -> [UInt8] {
        guard let command = try? ProtobufDeserializer<KVCommand>().deserialize(command) else { return [] }
        return Self.encode(execute(command))
    }

    /// Answers a Get command; any other command is not a query and gets an empty reply.
    public func query(_ query: [UInt8]) -> [UInt8] {
        guard let command = try? ProtobufDeserializer<KVCommand>().deserialize(query), command.kind == .get else {
            return []
        }
        return Self.encode(read(command.key))
    }

    /// Encoded straight from the dictionary (``KVStateSnapshotCodec``): besides the sorted
    /// references, the only copy of the data is the snapshot itself.
    public func snapshot() -> [UInt8] {
        var bytes: [UInt8] = []
        snapshot(appendingTo: &bytes)
        return bytes
    }

    /// In place: the replica's snapshot buffer is the only copy of the data.
    public func snapshot(appendingTo buffer: inout [UInt8]) {
        KVStateSnapshotCodec.encode(KeyOrder.sorted(values.map { ($0.key.bytes, $0.value) }), appendingTo: &buffer)
    }

    public mutating func restore(_ snapshot: [UInt8]) throws {
        // Sized once for every pair (growing rehashed all the keys each time it doubled).
        var restored: [StoredKey: [UInt8]] = [:]
        restored.reserveCapacity(try KVStateSnapshotCodec.pairCount(snapshot))
        try KVStateSnapshotCodec.decode(snapshot) { key, value in restored[StoredKey(key)] = value }
        values = restored
    }

    static func encode(_ result: KVCommandResult) -> [UInt8] {
        do {
            return try ProtobufSerializer<KVCommandResult>().serialize(result)
        } catch {
            preconditionFailure("a command result always encodes: \(error)")
        }
    }
}
