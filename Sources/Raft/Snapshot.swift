/// A point-in-time image of the application state machine, replacing every log entry up to
/// and including `metadata.index`.
///
/// The application produces `data` (see `MemoryStorage.createSnapshot(index:data:)`); Raft
/// only moves it around: a leader sends it to a follower that needs entries it has already
/// compacted (`Message.Kind.installSnapshot`), and the follower hands it back in
/// `Ready.snapshot` for the application to persist and restore.
public struct Snapshot: Sendable, Hashable {
    /// What the snapshot covers.
    public struct Metadata: Sendable, Hashable {
        /// The last log index the snapshot includes.
        public var index: UInt64
        /// The term of the entry at `index`.
        public var term: UInt64
        /// The group's membership as of `index` (``ConfState/unknown`` if the snapshot
        /// does not say: the receiver keeps its own).
        public var confState: ConfState
        /// Opaque to Raft, the driver's (``RaftPeer`` puts the members' addresses here).
        public var context: [UInt8]

        /// The voters of the incoming (or only) configuration as of `index`.
        public var voters: [UInt64] { confState.voters }

        public init(index: UInt64 = 0, term: UInt64 = 0, voters: [UInt64] = []) {
            self.init(index: index, term: term, confState: ConfState(voters: voters))
        }

        public init(index: UInt64, term: UInt64, confState: ConfState, context: [UInt8] = []) {
            self.index = index
            self.term = term
            self.confState = confState
            self.context = context
        }
    }

    public var metadata: Metadata
    /// Opaque application state.
    public var data: [UInt8]

    public init(metadata: Metadata = Metadata(), data: [UInt8] = []) {
        self.metadata = metadata
        self.data = data
    }

    /// True for the placeholder snapshot of a log that was never compacted.
    public var isEmpty: Bool { metadata.index == 0 }
}
