public import Raft
import RPCProtobuf

/// Adapts a whole-blob ``RaftStateStore`` (the labs' Persister) to ``RaftLogStore``.
///
/// It keeps the persisted log in memory and, on every `persist`, re-encodes the whole Raft
/// state (`skv.raft.PersistentState`: hard state, entries after the snapshot, snapshot
/// metadata) into one blob, plus the snapshot (`skv.raft.Snapshot`) when it changed — byte
/// for byte what the labs' tests measure as `RaftStateSize`. O(log) per write: fine for an
/// in-memory persister, not for a disk (use ``DiskRaftStore``).
public final class BlobRaftLogStore: RaftLogStore {
    private let store: any RaftStateStore
    private var hardState = HardState.empty
    private var snapshotMetadata = Snapshot.Metadata()
    /// Entries after the snapshot, contiguous.
    private var entries: [Entry] = []

    /// `voters` are the cluster's members: the metadata of the initial (empty) snapshot,
    /// which is part of the encoded state as it was before this adapter existed.
    public init(_ store: any RaftStateStore, voters: [UInt64]) {
        self.store = store
        snapshotMetadata = Snapshot.Metadata(index: 0, term: 0, voters: voters)
    }

    public func load() throws(RaftStoreError) -> PersistedRaftState {
        var result = PersistedRaftState()
        do {
            let snapshotBytes = store.readSnapshot()
            if !snapshotBytes.isEmpty {
                let snapshot = try ProtobufDeserializer<WireSnapshot>().deserialize(snapshotBytes).snapshot
                result.snapshot = snapshot
                snapshotMetadata = snapshot.metadata
            }
            let stateBytes = store.readRaftState()
            if !stateBytes.isEmpty {
                let state = try ProtobufDeserializer<PersistentState>().deserialize(stateBytes)
                result.hardState = state.hardState
                result.entries = state.entries.filter { $0.index > snapshotMetadata.index }
            }
        } catch {
            throw .corrupt(reason: "the persisted Raft state cannot be decoded: \(error)")
        }
        hardState = result.hardState
        entries = result.entries
        return result
    }

    public func persist(hardState: HardState?, entries newEntries: [Entry], snapshot: Snapshot?, mustSync: Bool)
        throws(RaftStoreError)
    {
        if let snapshot {
            snapshotMetadata = snapshot.metadata
            entries = []
        }
        append(newEntries)
        if let hardState { self.hardState = hardState }
        try save(snapshot: snapshot)
    }

    public func compact(snapshot: Snapshot) throws(RaftStoreError) {
        snapshotMetadata = snapshot.metadata
        entries.removeAll { $0.index <= snapshot.metadata.index }
        try save(snapshot: snapshot)
    }

    public var raftStateBytes: Int { store.readRaftState().count }

    public func close() {}

    /// Appends with `MemoryStorage.append` semantics: entries at or below the snapshot are
    /// ignored, a conflicting suffix is replaced.
    private func append(_ newEntries: [Entry]) {
        let fresh = newEntries.filter { $0.index > snapshotMetadata.index }
        guard let first = fresh.first else { return }
        entries.removeAll { $0.index >= first.index }
        entries.append(contentsOf: fresh)
    }

    private func save(snapshot: Snapshot?) throws(RaftStoreError) {
        let state = PersistentState(hardState: hardState, entries: entries, snapshot: snapshotMetadata)
        do {
            let stateBytes = try ProtobufSerializer<PersistentState>().serialize(state)
            let snapshotBytes = try snapshot.map { try ProtobufSerializer<WireSnapshot>().serialize(WireSnapshot($0)) }
            store.save(raftState: stateBytes, snapshot: snapshotBytes)
        } catch {
            throw .corrupt(reason: "the Raft state could not be encoded: \(error)")
        }
    }
}
