/// Everything a `RaftNode` asks its driver to do, collected since the last `advance`
/// (etcd's `Ready`).
///
/// The driver contract, in order (violating it breaks Raft's safety, not just liveness):
/// 1. Obtain it with `RaftNode.ready()` when `RaftNode.hasReady` is true. Only one `Ready`
///    may be outstanding: call `advance(_:)` before the next `ready()`.
/// 2. Persist, atomically enough that a crash leaves either all or none of them, and
///    durably (fsync) when `mustSync` is true: `snapshot` (if any), then `entries` (append,
///    replacing any conflicting suffix already stored), then `hardState` (if any). With
///    `MemoryStorage`: `applySnapshot`, `append`, `setHardState`.
/// 3. Only then send `messages` (they may promise votes or acknowledge entries that must
///    survive a crash). Sending may be asynchronous and may fail silently; report
///    unreachable peers with `RaftNode.reportUnreachable(_:)` if the transport knows.
/// 4. Restore the state machine from `snapshot` (if any), then apply `committedEntries` in
///    order (skipping `.noop` entries), and serve `readStates` once the applied index
///    reaches each `ReadState.index`.
/// 5. Call `RaftNode.advance(_:)` with this same `Ready`.
///
/// Committed entries may also appear in `entries` of the same `Ready` (a single-node
/// cluster commits immediately); persisting before applying (step 2 before 4) covers that.
public struct Ready: Sendable {
    /// New leader or role, if it changed; nil otherwise. Not persisted.
    public var softState: SoftState?
    /// Term, vote and commit to persist, if any of them changed; nil otherwise.
    public var hardState: HardState?
    /// Answers to `readIndex(context:)` requests that became ready.
    public var readStates: [ReadState]
    /// Entries to append to stable storage before sending `messages`.
    public var entries: [Entry]
    /// A snapshot received from the leader, to persist and restore; nil otherwise.
    public var snapshot: Snapshot?
    /// Entries committed by the cluster and not yet applied, in log order.
    public var committedEntries: [Entry]
    /// Messages to send after persisting.
    public var messages: [Message]
    /// Whether `hardState` (term or vote) or `entries` must be written durably before
    /// sending `messages`; false when only the commit index changed.
    public var mustSync: Bool

    public init(
        softState: SoftState? = nil,
        hardState: HardState? = nil,
        readStates: [ReadState] = [],
        entries: [Entry] = [],
        snapshot: Snapshot? = nil,
        committedEntries: [Entry] = [],
        messages: [Message] = [],
        mustSync: Bool = false
    ) {
        self.softState = softState
        self.hardState = hardState
        self.readStates = readStates
        self.entries = entries
        self.snapshot = snapshot
        self.committedEntries = committedEntries
        self.messages = messages
        self.mustSync = mustSync
    }
}
