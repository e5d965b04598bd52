/// A snapshot of one peer's Raft state, returned by ``RaftPeer/status()``.
public struct RaftPeerStatus: Sendable, Equatable {
    public var id: UInt64
    public var term: UInt64
    /// Whether this peer believes it is the leader (it may have been deposed without
    /// knowing yet: use ``RaftPeer/readIndex(timeout:)`` to confirm).
    public var isLeader: Bool
    /// The leader this peer knows of in `term`, if any (itself when `isLeader`).
    public var leaderID: UInt64?
    /// Highest log index known to be committed.
    public var commitIndex: UInt64
    /// Highest index handed to ``RaftPeer/applyStream`` (the service may not have applied it
    /// yet).
    public var appliedIndex: UInt64
    /// Index of the newest snapshot (0 if none).
    public var snapshotIndex: UInt64
    /// Index of the last entry in the log.
    public var lastIndex: UInt64
    /// Whether the peer was killed or stopped itself.
    public var isStopped: Bool
    /// The store error that stopped the peer, if one did.
    public var storeFailure: RaftStoreError?
    /// ``RaftPeer/readIndex(timeout:)`` calls waiting for a quorum.
    public var pendingReads: Int
    /// Bytes of the newest snapshot's data held in memory: its size, or 0 once a daemon's
    /// peer keeps it only in its file (read back for each transfer).
    public var snapshotBytesInMemory: Int

    public init(
        id: UInt64, term: UInt64, isLeader: Bool, leaderID: UInt64?, commitIndex: UInt64,
        appliedIndex: UInt64, snapshotIndex: UInt64, lastIndex: UInt64, isStopped: Bool,
        storeFailure: RaftStoreError?, pendingReads: Int = 0, snapshotBytesInMemory: Int = 0
    ) {
        self.id = id
        self.term = term
        self.isLeader = isLeader
        self.leaderID = leaderID
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.snapshotIndex = snapshotIndex
        self.lastIndex = lastIndex
        self.isStopped = isStopped
        self.storeFailure = storeFailure
        self.pendingReads = pendingReads
        self.snapshotBytesInMemory = snapshotBytesInMemory
    }
}
