import ArgumentParser
import BenchSupport
import Foundation
import RaftRuntime

/// `raft-bench`: three Raft replicas with `DiskRaftStore` (fsync on) in one process, over
/// `InProcessTransport` and over loopback HTTP/2; 1, then 64, concurrent proposers each
/// propose a command and wait until the leader has applied it, for a fixed duration. Prints
/// commits/s, p50/p99/p99.9 commit latency (propose → applied on the leader) and fsyncs per
/// commit (all three replicas' file and directory syncs, counted at the FileSystem seam).
@main
struct RaftBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raft-bench", abstract: "Commit throughput and latency of three disk-backed Raft replicas.")

    @Option(help: "Seconds each measurement runs.")
    var seconds: Double = 5

    @Option(help: "Bytes per proposed command.")
    var payloadBytes: Int = 1024

    @Option(parsing: .upToNextOption, help: "Numbers of concurrent proposers to measure.")
    var proposers: [Int] = [1, 64]

    @Option(parsing: .upToNextOption, help: "Transports to measure (inprocess, http2).")
    var transports: [BenchTransport] = [.inprocess, .http2]

    @Option(name: .customLong("pipelined-rpcs"), help: "Step RPCs in flight per peer before messages are batched (RaftPeer.Configuration.pipelinedRPCsPerPeer; 0: unlimited).")
    var pipelinedRPCs: Int = 1

    @Option(
        name: .customLong("leader-sends-first"), parsing: .upToNextOption,
        help: "RaftPeer.Configuration.leaderSendsBeforePersisting values to measure (on, off; both for a side-by-side run).")
    var leaderSendsFirst: [String] = ["on"]

    @Option(help: "Parent directory of the scratch data directories (removed afterwards).")
    var dir: String = NSTemporaryDirectory()

    func validate() throws {
        guard seconds > 0, payloadBytes >= 0, proposers.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--seconds and --proposers must be positive, --payload-bytes non-negative")
        }
        guard !leaderSendsFirst.isEmpty, leaderSendsFirst.allSatisfy({ $0 == "on" || $0 == "off" }) else {
            throw ValidationError("--leader-sends-first takes on and/or off")
        }
    }

    func run() async throws {
        print("transport  proposers  leader-sends-first  commits  commits/s  p50 ms  p99 ms  p99.9 ms  fsyncs/commit")
        for transport in transports {
            for count in proposers {
                for mode in leaderSendsFirst {
                    let result = try await measure(transport: transport, proposers: count, leaderSendsFirst: mode == "on")
                    print(result.row(transport: transport, proposers: count, mode: mode))
                }
            }
        }
    }

    /// One row: a fresh cluster in a fresh directory, a warm-up commit, then `proposers`
    /// loops for `seconds`.
    func measure(transport: BenchTransport, proposers: Int, leaderSendsFirst: Bool) async throws -> BenchResult {
        let directory = (dir as NSString).appendingPathComponent("raft-bench-\(getpid())-\(transport)-\(proposers)-\(leaderSendsFirst)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let counter = SyncCounter()
        let cluster = try await BenchCluster(
            transport: transport, directory: directory, counter: counter, pipelinedRPCs: pipelinedRPCs > 0 ? pipelinedRPCs : nil,
            leaderSendsBeforePersisting: leaderSendsFirst)
        guard let leader = await cluster.leader() else {
            await cluster.shutdown()
            throw ValidationError("no leader elected within 10 s")
        }
        let peer = cluster.peers[leader]
        let waiter = cluster.waiters[leader]
        let payload = [UInt8](repeating: 0xA5, count: payloadBytes)
        let warmUp = await peer.propose(payload)
        await waiter.wait(for: warmUp.index)

        let syncsBefore = counter.value
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .seconds(seconds)
        let latencies = await withTaskGroup(of: LatencyHistogram.self) { group in
            for _ in 0..<proposers {
                group.addTask {
                    var latencies = LatencyHistogram()
                    while clock.now < deadline {
                        let begin = clock.now
                        let receipt = await peer.propose(payload)
                        guard receipt.isLeader else { break }
                        await waiter.wait(for: receipt.index)
                        latencies.record(clock.now - begin)
                    }
                    return latencies
                }
            }
            return await group.reduce(into: LatencyHistogram()) { $0.merge($1) }
        }
        let elapsed = clock.now - start
        let syncs = counter.value - syncsBefore
        await cluster.shutdown()
        return BenchResult(latencies: latencies, elapsed: elapsed, syncs: syncs)
    }
}
