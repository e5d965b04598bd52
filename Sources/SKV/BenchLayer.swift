import ArgumentParser
import KVRaft
import Linearizability
import RPCCore
import RPCProtobuf
import Synchronization

/// How much of the client stack `skv kv bench` runs (`--layer`), to tell which layer a Swift
/// client's cost per operation comes from when it is compared with a load generator that sends
/// one prepared request body (`Scripts/bench-kv-client.sh` against h2load).
enum BenchLayer: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// What a user runs: `Clerk` → `ReplicaGroupCaller` → `KVClient` → `RPCClient` → transport
    /// (sessions on writes, leader following, retries).
    case clerk
    /// `KVClient` at the leader: each call's request encoded and reply decoded (protobuf-c), no
    /// clerk — writes without a session, as h2load's body, and no retries (a failed call ends
    /// its client's run, as any failure does). The history is checked as for ``clerk``.
    case client
    /// `RPCClient.unary` at the leader with the request encoded once and each reply compared
    /// byte for byte with the first, which is decoded and must be `OK` (or, for a Get, `NO_KEY`)
    /// — what h2load does, plus the comparison. Values are not recorded, so there is no history to check.
    case rpc

    /// Whether runs at this layer record a history that can be checked.
    var recordsHistory: Bool { self != .rpc }

    /// One performer per entry of `leaders` (the leader's `KVClient` on that client's
    /// connections) for ``client`` and ``rpc``; every call has the deadline `timeout`.
    /// ``rpc`` prepares its request from the first operation of `workload` on `key` with
    /// `value` as the value written.
    func leaderPerformers(
        _ leaders: [KVClient], workload: BenchWorkload, key: String, value: String, timeout: Duration
    ) -> [BenchRun.Perform] {
        precondition(self != .clerk, "clerk performers are the clerks' own")
        let options = CallOptions(timeout: timeout)
        if self == .client {
            return leaders.map { leader in { input in await Self.call(leader, input, options: options) } }
        }
        // Puts carry no session, as in `client`, so every prepared Put applies once per call.
        let get = workload == .get
        let body: [UInt8]
        do throws(RPCError) {
            body =
                get
                ? try ProtobufSerializer<GetRequest>().serialize(GetRequest(key: Array(key.utf8)))
                : try ProtobufSerializer<PutRequest>().serialize(
                    PutRequest(session: nil, key: Array(key.utf8), value: Array(value.utf8)))
        } catch {
            fail("cannot encode the prepared request: \(error)", status: 1)
        }
        let descriptor = get ? KVService.Methods.get : KVService.Methods.put
        return leaders.map { leader in
            let expected = ExpectedReply()
            return { _ in
                guard
                    let reply = try? await leader.client.unary(
                        request: ClientRequest(message: body), descriptor: descriptor, serializer: IdentityCoder(),
                        deserializer: IdentityCoder(), options: options
                    ).message,
                    expected.matches(reply, get: get)
                else { return nil }
                return .done
            }
        }
    }

    /// One `client`-layer call: `nil` if it failed or the reply is not `OK` (for a Get, not
    /// `OK` or `NO_KEY`).
    private static func call(
        _ leader: KVClient, _ input: KVModel.Input, options: CallOptions
    ) async -> KVModel.Output? {
        do {
            switch input {
            case .get(let key):
                let reply = try await leader.get(GetRequest(key: Array(key.utf8)), options: options)
                switch reply.outcome {
                case .ok: return .value(String(decoding: reply.value, as: UTF8.self))
                case .noKey: return .value("")
                default: return nil
                }
            case .put(let key, let value):
                let request = PutRequest(session: nil, key: Array(key.utf8), value: Array(value.utf8))
                return try await leader.put(request, options: options).outcome == .ok ? .done : nil
            case .append, .delete, .compareAndSwap:
                preconditionFailure("the client layer runs the put and get workloads only")
            }
        } catch {
            return nil
        }
    }
}

/// The first reply an `rpc`-layer client received, once decoded and found `OK` (a Get's also
/// `NO_KEY`); later replies must equal it byte for byte (an `OK` reply to the same request on
/// an unchanged key is the same message). One per client.
private final class ExpectedReply: Sendable {
    private let first = Mutex<[UInt8]?>(nil)

    func matches(_ reply: [UInt8], get: Bool) -> Bool {
        if let first = first.withLock({ $0 }) { return reply == first }
        let ok: Bool
        if get {
            let outcome = (try? ProtobufDeserializer<GetReply>().deserialize(reply))?.outcome
            ok = outcome == .ok || outcome == .noKey
        } else {
            ok = (try? ProtobufDeserializer<WriteReply>().deserialize(reply))?.outcome == .ok
        }
        if ok { first.withLock { $0 = reply } }
        return ok
    }
}
