import Foundation
import Linearizability

#if canImport(Glibc)
    import Glibc
#endif

/// Injects a ``FaultSchedule`` into daemons running in a ``NetworkLab``: nft rules for the
/// network faults, signals for pauses and kills. After each fault heals it waits (bounded by
/// ``servingLimit``) until a client operation is acknowledged again, and records when.
struct PartitionNemesis {
    /// A daemon the nemesis may pause or kill: daemon `index` of `cluster`, on host `index`.
    struct Daemon: CustomStringConvertible {
        let cluster: SKVProcessCluster
        let index: Int
        let name: String
        var host: Int { index }
        var description: String { "\(name) (h\(index + 1))" }
    }

    /// One injected fault, with times on the history's clock (nanoseconds).
    struct Injected: CustomStringConvertible {
        var number: Int
        var kind: FaultSchedule.Kind
        var detail: String
        var injectedAt: Int64
        var healedAt: Int64 = 0
        /// When the first operation returned acknowledged after the heal (`nil`: not within the limit).
        var servingAgainAt: Int64?
        /// What ran while the fault was held (ShardKV: a configuration change).
        var during: String?
        /// When every replica had applied what its group had committed at the heal (`nil`: not
        /// within ``catchUpLimit``, or no ``progress`` given).
        var caughtUpAt: Int64?
        /// When not caught up: each group's target and its replicas' last commit/applied indices.
        var lastProgress: String?
        /// The longest time without an acknowledged operation from the injection until service
        /// returned after the heal (nanoseconds).
        var longestGap: Int64 = 0

        var recovery: Duration? { servingAgainAt.map { .nanoseconds($0 - healedAt) } }

        var description: String {
            "#\(number) at \(seconds(injectedAt)) for \(seconds(healedAt - injectedAt)): \(kind.rawValue): \(detail)"
                + (during.map { "; during it: \($0)" } ?? "")
                + "; longest without an acknowledged op \(seconds(longestGap))s; first acknowledged op "
                + (recovery.map { "\(seconds($0.nanoseconds))s after the heal" }
                    ?? "NOT within the limit after the heal")
                + "; every replica caught up "
                + (caughtUpAt.map { "\(seconds($0 - healedAt))s after the heal" }
                    ?? "NOT within the limit (last seen: \(lastProgress ?? "no progress"))")
        }
    }

    /// The stated bound: after a fault heals, some operation is acknowledged within this.
    static let servingLimit: Duration = .seconds(10)
    /// The stated bound: after a fault heals, every replica applies what its group had
    /// committed at the heal within this (unless a case sets ``catchUpLimit``).
    static let defaultCatchUpLimit: Duration = .seconds(10)
    /// A restarted daemon answers its status call within this.
    static let restartReadyLimit: Duration = .seconds(15)

    let lab: NetworkLab
    /// What pauses and kills may hit.
    let daemons: [Daemon]
    /// The daemon leading the group a choice picks (polling up to a second); `nil` if none is seen.
    let findLeader: (Int) async -> Daemon?
    /// Whether a daemon answers its status call.
    let answers: (Daemon) async -> Bool
    var catchUpLimit = Self.defaultCatchUpLimit
    /// Each replica's commit and applied index by group (`nil`: no answer), for the catch-up check.
    var progress: (() async -> [String: [ReplicaProgress?]])? = nil
    /// Runs while a fault is held (after it is injected); returns what it did.
    var duringFault: ((Int) async -> String)? = nil
    let history: StressHistory

    /// Runs the schedule (until `deadline`, if given, has passed); prints each fault as it is
    /// injected; calls `afterEach` with the fault's number after its gap.
    func run(
        _ schedule: FaultSchedule, until deadline: ContinuousClock.Instant? = nil, afterEach: (Int) -> Void = { _ in }
    ) async throws -> [Injected] {
        var injected: [Injected] = []
        var network = NetworkFaults(hostCount: lab.hostCount)
        for (i, fault) in schedule.faults.enumerated() {
            if let deadline, ContinuousClock.now >= deadline { break }
            for daemon in daemons where !daemon.cluster.isRunning(daemon.index) {
                throw SKVProcessError(
                    description: "\(daemon) died on its own (status "
                        + "\(daemon.cluster.exitStatus(daemon.index).map { "\($0)" } ?? "?")):\n"
                        + daemon.cluster.logTail(daemon.index))
            }
            let leader = fault.targetsLeader ? await findLeader(fault.daemonChoice) : nil
            let leaderNote = fault.targetsLeader && leader == nil ? " (no leader seen)" : ""
            let host = leader?.host ?? fault.host
            let other = (host + fault.offset) % lab.hostCount
            let others = (0..<lab.hostCount).filter { $0 != host }.map { "h\($0 + 1)" }.joined(separator: ",")
            let mark = history.count
            var record = Injected(number: i + 1, kind: fault.kind, detail: "", injectedAt: history.now())
            var victim: Daemon?
            var slowedHost: Int?
            switch fault.kind {
            case .leaderCut, .minoritySplit:
                network.isolate(host)
                record.detail = "h\(host + 1)\(leader.map { " (\($0) leads)" } ?? leaderNote) cut from \(others)"
            case .oneWayLoss:
                for peer in 0..<lab.hostCount where peer != host {
                    if fault.inbound { network.drop(from: peer, to: host) } else { network.drop(from: host, to: peer) }
                }
                record.detail =
                    "h\(host + 1)\(leader.map { " (\($0) leads)" } ?? leaderNote) "
                    + (fault.inbound ? "receives nothing from \(others)" : "sends nothing to \(others)")
            case .bridge:
                network.cut(host, other)
                let middle = (0..<lab.hostCount).filter { $0 != host && $0 != other }.map { "h\($0 + 1)" }
                record.detail =
                    "h\(host + 1)\(leader.map { " (\($0) leads)" } ?? leaderNote) and h\(other + 1) cut, "
                    + "\(middle.joined(separator: ",")) sees both"
            case .probabilisticLoss:
                for a in 0..<lab.hostCount {
                    for b in 0..<lab.hostCount where a != b { network.drop(from: a, to: b, percent: fault.lossPercent) }
                }
                record.detail = "\(fault.lossPercent)% of the packets between hosts lost, both ways"
            case .pause:
                let daemon = leader ?? daemons[fault.daemonChoice % daemons.count]
                daemon.cluster.send(SIGSTOP, to: daemon.index)
                victim = daemon
                record.detail = "SIGSTOP \(daemon)\(leader != nil ? " (leader)" : leaderNote)"
            case .kill:
                let daemon = leader ?? daemons[fault.daemonChoice % daemons.count]
                try await daemon.cluster.stop(daemon.index, signal: SIGKILL)
                victim = daemon
                record.detail = "kill -9 \(daemon)\(leader != nil ? " (leader)" : leaderNote)"
            case .slowLink:
                try lab.slowDown(
                    host, rateKbit: fault.slowLinkRateKbit, latencyMilliseconds: fault.slowLinkLatencyMilliseconds)
                slowedHost = host
                record.detail =
                    "h\(host + 1)\(leader.map { " (\($0) leads)" } ?? leaderNote) sends through a token bucket of "
                    + "\(fault.slowLinkRateKbit) kbit/s, queue \(fault.slowLinkLatencyMilliseconds) ms"
            }
            if !network.isHealed { try lab.apply(network) }
            let counts = history.counts()
            print(
                "[\(seconds(record.injectedAt))s] fault #\(i + 1): \(fault.kind.rawValue): \(record.detail); "
                    + "hold \(fault.hold); ops so far acknowledged=\(counts.acknowledged) unknown=\(counts.unknown)")
            let heldUntil = ContinuousClock.now + fault.hold
            if let duringFault { record.during = await duringFault(i) }
            try await Task.sleep(until: max(heldUntil, .now))

            // Heal.
            if let slowedHost { try lab.restoreSpeed(slowedHost) }
            if !network.isHealed {
                network.heal()
                try lab.apply(network)
            }
            if let victim {
                if fault.kind == .pause {
                    victim.cluster.send(SIGCONT, to: victim.index)
                } else {
                    try victim.cluster.start(victim.index)
                    try await victim.cluster.waitUntilAnswering(
                        victim.index, name: victim.description, within: Self.restartReadyLimit
                    ) { await answers(victim) }
                }
            }
            record.healedAt = history.now()
            let targets = await commitTargets()
            record.servingAgainAt = await firstAcknowledgement(after: record.healedAt, from: mark)
            (record.caughtUpAt, record.lastProgress) = await caughtUp(to: targets)
            record.longestGap =
                PartitionRunReport(
                    history.operations(from: mark), loadFrom: record.injectedAt,
                    to: record.servingAgainAt ?? history.now()
                ).longestUnavailability
            print("[\(seconds(history.now()))s]   healed; \(record)")
            injected.append(record)
            try await Task.sleep(for: fault.gap)
            afterEach(i + 1)
        }
        return injected
    }

    /// One replica's progress.
    struct ReplicaProgress {
        var commit: UInt64
        var applied: UInt64
    }

    /// Each group's highest commit index among its replicas now.
    func commitTargets() async -> [String: UInt64] {
        guard let progress else { return [:] }
        return await progress().mapValues { replicas in replicas.compactMap { $0?.commit }.max() ?? 0 }
    }

    /// Polls (up to ``catchUpLimit``) until every replica answers with an applied index at least
    /// its group's target; returns when (history clock), or `nil` and the last view (each
    /// group's target and its replicas' `c<commit>/a<applied>`, `-` for no answer) if it did not.
    func caughtUp(to targets: [String: UInt64]) async -> (Int64?, String?) {
        guard let progress else { return (nil, nil) }
        let deadline = ContinuousClock.now + catchUpLimit
        var now: [String: [ReplicaProgress?]] = [:]
        repeat {
            now = await progress()
            let done = targets.allSatisfy { group, target in
                now[group]?.allSatisfy { ($0?.applied ?? 0) >= target } ?? false
            }
            if done { return (history.now(), nil) }
            try? await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        let view = targets.sorted { $0.key < $1.key }.map { group, target in
            let replicas = (now[group] ?? []).map { $0.map { "c\($0.commit)/a\($0.applied)" } ?? "-" }
            return "\(group) target \(target): " + replicas.joined(separator: " ")
        }
        return (nil, view.joined(separator: "; "))
    }

    /// Polls the history (up to ``servingLimit``) for an operation acknowledged after `instant`
    /// among those recorded after the first `mark` (read before `instant`).
    func firstAcknowledgement(after instant: Int64, from mark: Int) async -> Int64? {
        let deadline = ContinuousClock.now + Self.servingLimit
        repeat {
            let returns = history.operations(from: mark).compactMap { $0.output != nil ? $0.return : nil }
                .filter { $0 >= instant }
            if let first = returns.min() { return first }
            try? await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        return nil
    }
}

/// `12.3` (seconds, one decimal) from nanoseconds.
func seconds(_ nanoseconds: Int64) -> String {
    let tenths = nanoseconds / 100_000_000
    return "\(tenths / 10).\(abs(tenths % 10))"
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
