@testable import Raft

/// Builders for single-node unit tests, in the style of etcd's raft_test.go helpers.

/// A node with id `id` in a cluster of `peers`, over `storage` (empty by default).
/// Pre-vote and check-quorum are off unless `configure` turns them on, so that tests of
/// the basic paper algorithm see the paper's behaviour.
func makeNode(
    _ id: UInt64,
    peers: [UInt64] = [1, 2, 3],
    storage: MemoryStorage? = nil,
    electionTimeout: Int = 10,
    heartbeatInterval: Int = 1,
    seed: UInt64 = 42,
    configure: (inout Config) -> Void = { _ in }
) -> RaftNode {
    var config = Config(
        id: id, electionTimeoutTicks: electionTimeout,
        heartbeatIntervalTicks: heartbeatInterval,
        preVote: false, checkQuorum: false, random: SplitMix64(seed: seed &+ id))
    configure(&config)
    return try! RaftNode(config: config, storage: storage ?? MemoryStorage(voters: peers))
}

/// A storage holding `entries` (given as terms of indices 1, 2, ...) for `peers`.
func storageWithTerms(_ terms: [UInt64], peers: [UInt64] = [1, 2, 3]) -> MemoryStorage {
    let storage = MemoryStorage(voters: peers)
    storage.append(terms.enumerated().map { Entry(term: $0.element, index: UInt64($0.offset + 1)) })
    return storage
}

/// Entries with the given terms at consecutive indices starting at `from`.
func entries(terms: [UInt64], from first: UInt64 = 1) -> [Entry] {
    terms.enumerated().map { Entry(term: $0.element, index: first + UInt64($0.offset)) }
}

extension RaftNode {
    /// Removes and returns the queued outgoing messages (as a `Ready` would hand them out).
    mutating func takeMessages() -> [Message] {
        let out = messages
        messages = []
        return out
    }

    /// Makes this node leader of term `term + 1` directly, as etcd's tests do.
    mutating func forceLeader() {
        becomeCandidate()
        becomeLeader()
    }

    /// Persists and acknowledges everything pending through `storage`, as a driver would,
    /// dropping messages. Returns the committed entries handed out.
    @discardableResult
    mutating func persistAll(into storage: MemoryStorage) -> [Entry] {
        var applied: [Entry] = []
        while hasReady {
            let rd = ready()
            if let snapshot = rd.snapshot { try! storage.applySnapshot(snapshot) }
            storage.append(rd.entries)
            if let hs = rd.hardState { storage.setHardState(hs) }
            applied += rd.committedEntries
            advance(rd)
        }
        return applied
    }

    /// Writes the unstable entries and hard state to the node's `MemoryStorage` and
    /// acknowledges them (`ready` + `advance`), keeping the messages and read states queued
    /// for the test to inspect: what a driver does before a leader's own copy counts.
    mutating func persistOwnEntries() {
        guard hasReady else { return }
        let rd = ready()
        let storage = raftLog.storage as! MemoryStorage
        if let snapshot = rd.snapshot { try! storage.applySnapshot(snapshot) }
        storage.append(rd.entries)
        if let hs = rd.hardState { storage.setHardState(hs) }
        advance(rd)
        messages = rd.messages + messages
        readStates = rd.readStates + readStates
    }

    /// All entries in the log (storage and unstable), from the first available index.
    var allEntries: [Entry] {
        (try? raftLog.slice(raftLog.firstIndex, raftLog.lastIndex + 1, maxBytes: .max)) ?? []
    }
}

func appendResponse(from: UInt64, to: UInt64 = 1, term: UInt64, index: UInt64) -> Message {
    Message(type: .appendEntriesResponse, from: from, to: to, term: term, index: index)
}

func voteResponse(from: UInt64, to: UInt64 = 1, term: UInt64, granted: Bool) -> Message {
    Message(type: .requestVoteResponse, from: from, to: to, term: term, reject: !granted)
}
