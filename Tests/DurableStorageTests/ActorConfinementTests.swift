import DurableStorage
import Testing

/// The intended ownership model, checked by the compiler: the (non-Sendable) log, snapshot
/// store and hard-state file are created inside an actor and never leave it.
actor StorageOwner {
    private let log: WriteAheadLog
    private let hardState: HardStateFile

    init(directory: String) throws {
        log = try WriteAheadLog(directory: directory + "/wal")
        hardState = HardStateFile(path: directory + "/hardstate")
    }

    /// One Raft "Ready" handled the etcd way: entries and hard state made durable before
    /// anything is acknowledged; one log fsync for the whole batch.
    func persist(_ entries: [WriteAheadLog.Record], _ state: HardState) throws -> Int {
        try log.append(entries)
        try log.sync()
        try hardState.save(state)
        return log.statistics.syncCalls
    }

    func replay() throws -> ([WriteAheadLog.Record], HardState?) {
        (try log.readAll(), try hardState.load())
    }
}

@Suite struct ActorConfinementTests {
    @Test func logOwnedByAnActor() async throws {
        let directory = try makeTemporaryRoot()
        defer { removeTree(directory) }
        let owner = try StorageOwner(directory: directory)
        #expect(
            try await owner.persist(records(1...3), HardState(term: 1, vote: 1, commit: 0)) == 1)
        #expect(
            try await owner.persist(records(4...9), HardState(term: 1, vote: 1, commit: 3)) == 2)
        let (replayed, state) = try await owner.replay()
        #expect(replayed == records(1...9))
        #expect(state == HardState(term: 1, vote: 1, commit: 3))
    }
}
