import CoreMetrics
import Raft

/// The event metrics a ``RaftPeer`` records as things happen (swift-metrics handles, made once
/// per peer; no-ops unless the process bootstrapped a metrics backend). State that a scrape can
/// read from ``RaftPeer/status()`` (term, leader, commit and applied index, pending proposals)
/// is not kept here: the daemon reads it when scraped.
///
/// Names follow the Prometheus conventions: `_total` counters, unit suffixes.
struct RaftPeerMetrics: Sendable {
    /// Times this peer saw a new leader (a known leader different from the last one it knew).
    let leaderChanges = Counter(label: "skv_raft_leader_changes_total")
    /// Commands proposed while leader.
    let proposals = Counter(label: "skv_raft_proposals_total")
    /// ReadIndex requests started (each joins the next heartbeat round of the core).
    let readIndexRequests = Counter(label: "skv_raft_read_index_requests_total")
    /// Entries per `AppendEntries` message sent.
    let appendEntries = Recorder(label: "skv_raft_append_entries", aggregate: true)
    /// Entry payload bytes per `AppendEntries` message sent.
    let appendBytes = Recorder(label: "skv_raft_append_bytes", aggregate: true)
    /// Snapshots the service handed the peer (the log compacted up to them), and their bytes.
    let snapshotsTaken = Counter(label: "skv_raft_snapshots_taken_total")
    let snapshotTakenBytes = Counter(label: "skv_raft_snapshot_taken_bytes_total")
    /// Snapshots sent to lagging followers, and their bytes.
    let snapshotsSent = Counter(label: "skv_raft_snapshots_sent_total")
    let snapshotSentBytes = Counter(label: "skv_raft_snapshot_sent_bytes_total")
    /// Snapshots received from a leader and installed.
    let snapshotsInstalled = Counter(label: "skv_raft_snapshots_installed_total")

    /// Records the `AppendEntries` and snapshots among `messages` (about to be sent).
    func recordSent(_ messages: [Message]) {
        for message in messages {
            switch message.type {
            case .appendEntries:
                appendEntries.record(message.entries.count)
                appendBytes.record(message.entries.reduce(0) { $0 + $1.data.count })
            case .installSnapshot:
                snapshotsSent.increment()
                snapshotSentBytes.increment(by: message.snapshot?.data.count ?? 0)
            default:
                break
            }
        }
    }
}
