import KVRaft
import Linearizability
import ShardKV

/// A clerk ``BenchRun`` can drive: the bytes API that `Clerk` (one KV group) and
/// `ShardKVClerk` (the sharded service) both have.
protocol BenchClerk: Sendable {
    func get(_ key: [UInt8]) async throws -> [UInt8]?
    func put(_ key: [UInt8], _ value: [UInt8]) async throws
    func append(_ key: [UInt8], _ value: [UInt8]) async throws
    func delete(_ key: [UInt8]) async throws -> Bool
}

extension BenchClerk {
    /// One workload operation: its output, or `nil` if it failed (it may still apply).
    func perform(_ input: KVModel.Input) async -> KVModel.Output? {
        do {
            switch input {
            case .get(let key):
                return .value(String(decoding: try await get(Array(key.utf8)) ?? [], as: UTF8.self))
            case .put(let key, let value):
                try await put(Array(key.utf8), Array(value.utf8))
            case .append(let key, let value):
                try await append(Array(key.utf8), Array(value.utf8))
            case .delete(let key):
                _ = try await delete(Array(key.utf8))
            case .compareAndSwap:
                return nil
            }
            return .done
        } catch {
            return nil
        }
    }
}

extension Clerk: BenchClerk {}
extension ShardKVClerk: BenchClerk {}
