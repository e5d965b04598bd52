/// Where a Raft peer keeps its durable state: a "raft state" blob (term, vote, commit and the
/// log after the snapshot) and a snapshot blob — the labs' Persister contract.
///
/// `save` must be atomic: after a crash, a reader sees either the old pair or the new one.
/// When `snapshot` is `nil` the stored snapshot is kept. Implementations are thread-safe.
public protocol RaftStateStore: Sendable {
    func readRaftState() -> [UInt8]
    func readSnapshot() -> [UInt8]
    func save(raftState: [UInt8], snapshot: [UInt8]?)
}
