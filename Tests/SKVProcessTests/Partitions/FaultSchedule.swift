import Raft

/// The partition nemesis's plan: a seeded list of faults, each with its parameters, how long it
/// is held and the healthy gap after it. The plan is a pure function of the seed; what "the
/// leader" is gets resolved when a fault is injected (real processes, real timing).
struct FaultSchedule: CustomStringConvertible {
    /// What one fault does.
    enum Kind: String, CaseIterable {
        /// The leader's host cut from the other hosts, both ways; clients still reach it.
        case leaderCut = "leader cut from its peers"
        /// One host (drawn) cut from the other two: a minority of one, a majority of two.
        case minoritySplit = "minority/majority split"
        /// One host (often the leader's) loses every packet it sends to its peers, or every one
        /// it receives from them; the other direction still works.
        case oneWayLoss = "one-way loss"
        /// A - B - C: A and C cut from each other, B sees both (A often the leader's host).
        case bridge = "bridge partition"
        /// Every link between hosts drops a share of its packets, both ways.
        case probabilisticLoss = "probabilistic loss"
        /// SIGSTOP of a daemon (often a leader) for the hold time, then SIGCONT.
        case pause = "SIGSTOP/SIGCONT pause"
        /// kill -9 of a daemon (often a leader), restarted from its data directory after the hold.
        case kill = "kill -9 and restart"
        /// One host (often the leader's) sends through a token bucket (`tc` tbf) of
        /// ``slowLinkRateKbit`` with up to ``slowLinkLatencyMilliseconds`` of queueing; what
        /// overflows the queue is dropped. Everything it sends is delayed (to its peers and to
        /// clients). This kernel has no `sch_netem`, so a fixed delay and packet reordering
        /// cannot be injected; a token bucket is how a slow, congested link looks here. Left out
        /// of the plan where tbf is unavailable (``NetworkLab/shapingUnavailableReason``).
        case slowLink = "slow link (token bucket)"

        /// Every kind this machine can inject.
        static var injectable: [Kind] {
            NetworkLab.shapingUnavailableReason == nil ? allCases : allCases.filter { $0 != .slowLink }
        }
    }

    /// One fault of the plan.
    struct Fault {
        var kind: Kind
        /// Whether it targets the current leader (else ``host`` / ``daemonChoice``).
        var targetsLeader: Bool
        /// A drawn host (0-based).
        var host: Int
        /// Picks a second host: `(first + offset) % hostCount`, offset in `1..<hostCount`.
        var offset: Int
        /// One-way loss: the host loses what it receives (else what it sends).
        var inbound: Bool
        /// Probabilistic loss: the share dropped, in percent.
        var lossPercent: Int
        /// Slow link: the token bucket's rate (kbit/s) and queue (ms of traffic at that rate).
        var slowLinkRateKbit = 256
        var slowLinkLatencyMilliseconds = 200
        /// Picks a daemon (modulo the count) for pauses and kills, and the group whose leader
        /// "the leader" means (modulo the group count).
        var daemonChoice: Int
        /// How long the fault stays.
        var hold: Duration
        /// Healthy time after it heals (and the cluster serves again).
        var gap: Duration
    }

    /// Held faults last this long (milliseconds).
    static let holdMilliseconds = 1500...4000
    /// Healthy gaps after a fault's recovery (milliseconds).
    static let gapMilliseconds = 500...1500
    /// Packets dropped by probabilistic loss (percent).
    static let lossPercent = 10...40
    /// Chance that a fault that can target the leader does (percent).
    static let leaderPercent = 60
    /// Slow links: token bucket rates (kbit/s) and queue lengths (ms).
    static let slowLinkRateKbit = 64...1024
    static let slowLinkLatencyMilliseconds = 50...400

    let seed: UInt64
    let faults: [Fault]

    /// `count` faults for `hostCount` hosts, only of `kinds`; each run of `kinds.count` faults
    /// covers every kind once, in a seeded order.
    init(seed: UInt64, count: Int, hostCount: Int, kinds: [Kind] = Kind.injectable) {
        precondition(hostCount >= 3 && !kinds.isEmpty, "three or more hosts and some kinds")
        self.seed = seed
        var random = SplitMix64(seed: seed ^ 0xFA17_5CED)
        var faults: [Fault] = []
        var pending: [Kind] = []
        while faults.count < count {
            if pending.isEmpty { pending = kinds.shuffled(using: &random) }
            let kind = pending.removeFirst()
            faults.append(
                Fault(
                    kind: kind,
                    targetsLeader: kind == .leaderCut
                        || (kind != .minoritySplit && kind != .probabilisticLoss
                            && Int.random(in: 0..<100, using: &random) < Self.leaderPercent),
                    host: Int.random(in: 0..<hostCount, using: &random),
                    offset: Int.random(in: 1..<hostCount, using: &random),
                    inbound: Bool.random(using: &random),
                    lossPercent: Int.random(in: Self.lossPercent, using: &random),
                    slowLinkRateKbit: Int.random(in: Self.slowLinkRateKbit, using: &random),
                    slowLinkLatencyMilliseconds: Int.random(in: Self.slowLinkLatencyMilliseconds, using: &random),
                    daemonChoice: Int.random(in: 0..<1_000, using: &random),
                    hold: .milliseconds(Int.random(in: Self.holdMilliseconds, using: &random)),
                    gap: .milliseconds(Int.random(in: Self.gapMilliseconds, using: &random))))
        }
        self.faults = faults
    }

    /// A fixed plan (a regression case).
    init(seed: UInt64, faults: [Fault]) {
        self.seed = seed
        self.faults = faults
    }

    /// How many faults ``description`` lists (a soak's plan is long).
    static let listedFaults = 20

    var description: String {
        "fault schedule (seed \(seed)):\n"
            + faults.prefix(Self.listedFaults).enumerated().map { i, fault in
                "  \(i + 1). \(fault.kind.rawValue)\(fault.targetsLeader ? " (leader)" : "") hold \(fault.hold) "
                    + "gap \(fault.gap)"
            }.joined(separator: "\n")
            + (faults.count > Self.listedFaults ? "\n  ... and up to \(faults.count - Self.listedFaults) more" : "")
    }
}
