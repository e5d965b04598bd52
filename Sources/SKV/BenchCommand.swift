import ArgumentParser
import KVRaft
import Linearizability
import RPCCore
import RPCHTTP2NIO
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `skv kv bench`: a bounded mixed workload (get/put/append/delete on a few keys) from several
/// clerks, with a progress line per second and a summary: operations, ops/s, p50/p99 latency,
/// leader changes seen by polling `Status`, and whether the recorded history is linearizable
/// (the `KVModel` checker). Exit 0 if linearizable, 1 if not, 3 if no operation completed.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Run a mixed workload and check it.")

    /// How long the linearizability check may search.
    static let checkTimeout: Duration = .seconds(60)
    /// How often the leader is polled.
    static let leaderPollInterval: Duration = .milliseconds(250)

    @OptionGroup var options: ClientOptions

    @Option(help: "Workload length in seconds.")
    var duration: Int = 30

    @Option(help: "Concurrent clients.")
    var clients: Int = 4

    @Option(help: "Distinct keys.")
    var keys: Int = 5

    typealias Operation = HistoryOperation<KVModel.Input, KVModel.Output>

    func run() async throws {
        guard duration > 0, clients > 0, keys > 0 else { fail("--duration, --clients and --keys must be positive", status: 2) }
        let addresses = options.addresses()
        let start = ContinuousClock.now
        let end = start + .seconds(duration)
        func nanos() -> Int64 {
            let elapsed = ContinuousClock.now - start
            return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        }
        let state = BenchState()

        var transports: [HTTP2ClientTransport] = []
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                let clientTransports = addresses.map { HTTP2ClientTransport(host: $0.host, port: $0.port) }
                transports += clientTransports
                var configuration = Clerk.Configuration()
                configuration.operationTimeout = .seconds(5)
                configuration.rpcTimeout = .seconds(1)
                let clerk = Clerk(
                    servers: clientTransports.map { Clerk.Server(client: KVClient(wrapping: RPCClient(transport: $0))) },
                    configuration: configuration)
                group.addTask {
                    var sequence = 0
                    while ContinuousClock.now < end {
                        sequence += 1
                        let key = "key\(Int.random(in: 0..<keys))"
                        let roll = Int.random(in: 0..<100)
                        let input: KVModel.Input =
                            roll < 50 ? .get(key: key)
                            : roll < 70 ? .put(key: key, value: "c\(client)s\(sequence);")
                            : roll < 95 ? .append(key: key, value: "c\(client)s\(sequence);") : .delete(key: key)
                        let call = nanos()
                        var output: KVModel.Output?
                        do throws(ClerkError) {
                            switch input {
                            case .get(let key):
                                output = .value(String(decoding: try await clerk.get(Array(key.utf8)) ?? [], as: UTF8.self))
                            case .put(let key, let value):
                                try await clerk.put(Array(key.utf8), Array(value.utf8))
                                output = .done
                            case .append(let key, let value):
                                try await clerk.append(Array(key.utf8), Array(value.utf8))
                                output = .done
                            case .delete(let key):
                                _ = try await clerk.delete(Array(key.utf8))
                                output = .done
                            case .compareAndSwap: output = nil
                            }
                        } catch {
                            output = nil
                        }
                        let returned = nanos()
                        if output != nil {
                            state.completed.add(1, ordering: .relaxed)
                            state.latencies.withLock { $0.append(returned - call) }
                        } else {
                            state.failed.add(1, ordering: .relaxed)
                        }
                        // An operation that failed may still apply: it stays pending (no return).
                        state.history.withLock {
                            $0.append(
                                Operation(clientID: client, input: input, call: call, output: output,
                                    return: output == nil ? nil : returned))
                        }
                        if output == nil {
                            // A pending operation ends this client's history (no later calls from it).
                            return
                        }
                    }
                }
            }
            // Leader watcher and progress line.
            group.addTask {
                let watchTransports = addresses.map { HTTP2ClientTransport(host: $0.host, port: $0.port) }
                var last: (term: UInt64, id: UInt64)?
                var lastPrint = ContinuousClock.now
                var lastCount = 0
                while ContinuousClock.now < end {
                    for (i, transport) in watchTransports.enumerated() {
                        let client = KVClient(wrapping: RPCClient(transport: transport))
                        guard let reply = try? await client.status(options: CallOptions(timeout: .milliseconds(200))),
                            reply.isLeader
                        else { continue }
                        if let previous = last, previous.id != reply.id || previous.term != reply.term, reply.term > previous.term {
                            state.leaderChanges.add(1, ordering: .relaxed)
                        }
                        if last == nil || reply.term > last!.term { last = (reply.term, reply.id) }
                        state.currentLeader.withLock { $0 = "\(reply.id) (\(addresses[i]))" }
                        break
                    }
                    if ContinuousClock.now - lastPrint >= .seconds(1) {
                        let count = state.completed.load(ordering: .relaxed)
                        let elapsed = Int((ContinuousClock.now - start).components.seconds)
                        print(
                            "[\(elapsed)s/\(duration)s] ops=\(count) (+\(count - lastCount)/s) failed=\(state.failed.load(ordering: .relaxed)) "
                                + "leader=\(state.currentLeader.withLock { $0 }) leader-changes=\(state.leaderChanges.load(ordering: .relaxed))")
                        fflush(nil)
                        lastPrint = ContinuousClock.now
                        lastCount = count
                    }
                    try? await Task.sleep(for: Self.leaderPollInterval)
                }
                for transport in watchTransports { await transport.close() }
            }
        }
        for transport in transports { await transport.close() }

        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let ops = state.completed.load(ordering: .relaxed)
        let sorted = state.latencies.withLock { $0 }.sorted()
        func percentile(_ p: Double) -> String {
            guard !sorted.isEmpty else { return "-" }
            let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
            return fixed(Double(value) / 1e6) + "ms"
        }
        let verdict = LinearizabilityChecker.check(KVModel(), state.history.withLock { $0 }, timeout: Self.checkTimeout)
        let linearizable =
            switch verdict {
            case .ok: "yes"
            case .illegal: "no"
            case .unknown: "unknown (check timed out)"
            }
        let rate = fixed(Double(ops) / max(seconds, 0.001))
        let changes = state.leaderChanges.load(ordering: .relaxed)
        let failures = state.failed.load(ordering: .relaxed)
        let p50 = percentile(0.5)
        let p99 = percentile(0.99)
        print("summary: ops=\(ops) failed=\(failures) ops/s=\(rate) p50=\(p50) p99=\(p99) leader-changes=\(changes) linearizable: \(linearizable)")
        fflush(nil)
        if ops == 0 { Glibc.exit(ClientOptions.exitUnavailable) }
        if case .illegal(let failure) = verdict {
            print(failure.description)
            Glibc.exit(1)
        }
    }
}

/// `value` with one decimal.
private func fixed(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

/// What the clients and the watcher of ``BenchCommand`` share.
private final class BenchState: Sendable {
    let history = Mutex<[BenchCommand.Operation]>([])
    /// Latencies of completed operations, in nanoseconds.
    let latencies = Mutex<[Int64]>([])
    let completed = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let leaderChanges = Atomic<Int>(0)
    let currentLeader = Mutex<String>("?")
}
