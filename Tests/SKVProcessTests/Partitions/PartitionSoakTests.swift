import Foundation
import Testing

/// The soak (Scripts/soak.sh; not in CI): a 3-node KV group under sustained load with a fault
/// every few seconds for `SKV_SOAK_SECONDS`; the daemons' RSS and open descriptors are printed at
/// the start (after a warm-up), after each fault and at the end, and checked against
/// ``DaemonResources``' bounds; their logs are scanned (``DaemonLogScan``); the run's own checks
/// (history, convergence, service after heals) apply too. Faults are partitions, loss and
/// pauses, so each daemon stays the same process and its start and end compare;
/// `SKV_SOAK_KILLS=1` adds kill -9 (restarted daemons are then not compared);
/// `SKV_SOAK_MAX_RAFT_STATE=<bytes>` replaces the cases' `--max-raft-state 4096`;
/// `SKV_SOAK_NODE_ENV='NAME=value NAME=value'` adds variables to the daemons' environment only
/// (for a profiler or an allocator: `LD_PRELOAD=...`, `MALLOC_CONF=...`, `MALLOC_ARENA_MAX=2`).
extension PartitionTests {
    static var soakDuration: Duration? {
        guard let raw = getenv("SKV_SOAK_SECONDS"), let value = Int(String(cString: raw)), value > 0 else { return nil }
        return .seconds(value)
    }

    @Test(.enabled(if: soakDuration != nil, "set SKV_SOAK_SECONDS (Scripts/soak.sh)"), .timeLimit(.minutes(90)))
    func soakKeepsResourcesBoundedUnderFaults() async throws {
        let duration = try #require(Self.soakDuration)
        let seed = Self.seed()
        let withKills = getenv("SKV_SOAK_KILLS").map { String(cString: $0) == "1" } ?? false
        let maxRaftState = StressWorkload.rounds(from: "SKV_SOAK_MAX_RAFT_STATE", default: 0)
        let kinds = FaultSchedule.Kind.injectable.filter { withKills || $0 != .kill }
        print("soak: \(duration) of load and faults (\(kinds.map(\.rawValue).joined(separator: ", ")))")
        try await Self.runKV(
            seed: seed, schedule: FaultSchedule(seed: seed, count: 10_000, hostCount: 3, kinds: kinds),
            soak: Soak(
                duration: duration, maxRaftState: maxRaftState > 0 ? maxRaftState : nil,
                nodeEnvironment: Self.soakNodeEnvironment))
    }

    /// `SKV_SOAK_NODE_ENV`'s `NAME=value` words (values without spaces); empty if unset.
    static var soakNodeEnvironment: [String: String] {
        guard let raw = getenv("SKV_SOAK_NODE_ENV") else { return [:] }
        var environment: [String: String] = [:]
        for word in String(cString: raw).split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1)
            precondition(parts.count == 2, "SKV_SOAK_NODE_ENV: '\(word)' is not NAME=value")
            environment[String(parts[0])] = String(parts[1])
        }
        return environment
    }
}
