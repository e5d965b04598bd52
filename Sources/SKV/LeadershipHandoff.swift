import Logging
import RaftRuntime
import ServiceLifecycle

/// Hands leadership to another member when a leader is asked to stop gracefully (etcd's
/// leadership transfer on shutdown): the group elects the chosen follower at once instead of
/// waiting an election timeout for the old leader's silence, so a rolling restart costs the
/// clients a retry, not an outage. Last in the host's group, so it acts first at shutdown,
/// while the listener still answers and the peer still replicates.
///
/// The transfer is bounded by `timeout`; a target that does not win by then (partitioned,
/// far behind) leaves the stop to proceed as before, and the group elects a leader by
/// timeout. A follower, or a single-member group, stops without doing anything.
struct LeadershipHandoff: NamedService {
    let peer: RaftPeer
    /// Longest the stop waits for another member to take over.
    let timeout: Duration
    let logger: Logger
    /// How often the peer is asked whether it still leads while the transfer runs.
    static let pollInterval: Duration = .milliseconds(10)

    func run() async throws {
        // Cancellation (not a graceful stop) skips the handoff.
        guard (try? await gracefulShutdown()) != nil else { return }
        let status = await peer.status()
        guard status.isLeader else { return }
        // The next member in id order after this one: deterministic, and it spreads
        // leadership across a rolling restart that stops members in id order. The core
        // catches the target up before it hands over.
        // Voters only (as the membership stands now): a learner cannot take over.
        let others = await peer.membership().members.filter { $0.role == .voter && $0.id != status.id }.map(\.id)
            .sorted()
        guard let target = others.first(where: { $0 > status.id }) ?? others.first else { return }
        do {
            try await peer.transferLeadership(to: target)
        } catch {
            logger.warning("leadership handoff not started", metadata: ["target": "\(target)", "error": "\(error)"])
            return
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            try? await Task.sleep(for: Self.pollInterval)
            let now = await peer.status()
            if !now.isLeader, let leader = now.leaderID, leader != status.id {
                logger.notice("handed leadership over", metadata: ["leader": "\(leader)", "term": "\(now.term)"])
                return
            }
        }
        logger.warning(
            "leadership handoff timed out; stopping anyway", metadata: ["target": "\(target)", "timeout": "\(timeout)"])
    }
}
