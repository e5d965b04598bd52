import Foundation
import KVRaft
import Linearizability
import Raft
import RPCHTTP2NIO
import ShardKV
import Synchronization

/// A clerk the stress clients drive: the bytes API that `Clerk` (one KV group) and
/// `ShardKVClerk` (the sharded service) both have.
protocol StressClerk: Sendable {
    func get(_ key: [UInt8]) async throws -> [UInt8]?
    func put(_ key: [UInt8], _ value: [UInt8]) async throws
    func append(_ key: [UInt8], _ value: [UInt8]) async throws
    /// Whether `error` is a server's refusal (a bug in a run like this), not a timeout.
    static func isRejection(_ error: any Error) -> Bool
}

extension Clerk: StressClerk {
    static func isRejection(_ error: any Error) -> Bool {
        if case .rejected = error as? ClerkError { return true }
        return false
    }
}

extension ShardKVClerk: StressClerk {
    static func isRejection(_ error: any Error) -> Bool {
        if case .rejected = error as? ShardKVClerkError { return true }
        return false
    }
}

/// The process stress tests' client workload: the keys, one client's loop of random
/// operations recorded in a ``StressHistory``, and the final reads.
enum StressWorkload {
    typealias Operation = HistoryOperation<KVModel.Input, KVModel.Output>

    /// Client `client`'s appends go to its generation-0 key until it holds `appendsPerOwnKey`
    /// tokens, then to generation 1, ...: the values (and the checker's per-key sub-histories)
    /// stay small.
    static let appendsPerOwnKey = 40

    /// `<d>own<client>.<generation>`; the leading digit spreads the keys over the shards
    /// (`key2shard` reads the first byte).
    static func ownKey(_ client: Int, generation: Int) -> String {
        "\((3 * client + generation) % 10)own\(client).\(generation)"
    }

    /// The client whose own key `key` is, if it is one.
    static func owner(ofKey key: String) -> Int? {
        let rest = key.dropFirst()
        guard rest.hasPrefix("own"), let dot = rest.firstIndex(of: ".") else { return nil }
        return Int(rest[rest.index(rest.startIndex, offsetBy: 3)..<dot])
    }

    /// `<d>s<k>`, on shard-spread first bytes like ``ownKey(_:generation:)``.
    static func sharedKey(_ k: Int) -> String { "\(k % 10)s\(k)" }

    /// One client: a random mix (from its own seeded generator) until `stop`. Every operation
    /// is recorded; one whose outcome the clerk could not learn (timeout) is recorded pending.
    /// The clerk goes on after a timeout with its next sequence number: the server's session
    /// table then refuses the timed-out write if it arrives later.
    static func runClient(
        _ client: Int, seed: UInt64, clerk: some StressClerk, sharedKeys: Int, history: StressHistory,
        stop: StopSignal
    ) async {
        var random = SplitMix64(seed: seed ^ (0x5EED_0000 + UInt64(client)))
        var sequence = 0
        var ownAppends = 0
        while !stop.isSet, !Task.isCancelled {
            sequence += 1
            let token = "c\(client).\(sequence);"
            let shared = sharedKey(Int.random(in: 0..<sharedKeys, using: &random))
            let input: KVModel.Input
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<35:
                input = .append(key: ownKey(client, generation: ownAppends / appendsPerOwnKey), value: token)
                ownAppends += 1
            case 35..<45: input = .get(key: ownKey(client, generation: max(0, ownAppends - 1) / appendsPerOwnKey))
            case 45..<65: input = .get(key: shared)
            case 65..<80: input = .put(key: shared, value: token)
            default: input = .append(key: shared, value: token)
            }
            let call = history.now()
            var output: KVModel.Output?
            do {
                switch input {
                case .get(let key):
                    output = .value(String(decoding: try await clerk.get(Array(key.utf8)) ?? [], as: UTF8.self))
                case .put(let key, let value):
                    try await clerk.put(Array(key.utf8), Array(value.utf8))
                    output = .done
                case .append(let key, let value):
                    try await clerk.append(Array(key.utf8), Array(value.utf8))
                    output = .done
                case .delete, .compareAndSwap:
                    output = nil
                }
            } catch {
                if type(of: clerk).isRejection(error) {
                    history.rejected.add(1, ordering: .relaxed)
                    print("client \(client): \(input) rejected: \(error)")
                }
                output = nil
            }
            let returned = history.now()
            history.append(
                Operation(
                    clientID: client, input: input, call: call, output: output,
                    return: output == nil ? nil : returned))
            if output == nil, Task.isCancelled { break }
            let pause = Int.random(in: 0...2, using: &random)
            if pause > 0 { try? await Task.sleep(for: .milliseconds(pause)) }
        }
    }

    /// The seed in the environment variable `variable`, else a random one.
    static func seed(from variable: String) -> UInt64 {
        if let raw = getenv(variable), let seed = UInt64(String(cString: raw)) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }

    /// The positive round count in the environment variable `variable` (soak runs), else `default`.
    static func rounds(from variable: String, default rounds: Int) -> Int {
        if let raw = getenv(variable), let value = Int(String(cString: raw)), value > 0 { return value }
        return rounds
    }

    /// ``readAll(_:clerk:history:clientID:)``, then closes `transports` (the clerk's), also on failure.
    static func readAll(
        _ keys: [String], clerk: some StressClerk, closing transports: [HTTP2ClientTransport], history: StressHistory?,
        clientID: Int
    ) async throws -> [String: String] {
        let values: [String: String]
        do {
            values = try await readAll(keys, clerk: clerk, history: history, clientID: clientID)
        } catch {
            for transport in transports { await transport.close() }
            throw error
        }
        for transport in transports { await transport.close() }
        return values
    }

    /// Reads every key through `clerk` (recorded in `history` if given).
    static func readAll(_ keys: [String], clerk: some StressClerk, history: StressHistory?, clientID: Int)
        async throws -> [String: String]
    {
        var values: [String: String] = [:]
        for key in keys {
            let call = history?.now() ?? 0
            let value: String
            do {
                value = String(decoding: try await clerk.get(Array(key.utf8)) ?? [], as: UTF8.self)
            } catch {
                throw SKVProcessError(description: "reading \(key) failed: \(error)")
            }
            history?.append(
                Operation(
                    clientID: clientID, input: .get(key: key), call: call, output: .value(value),
                    return: history?.now()))
            values[key] = value
        }
        return values
    }
}
