import RaftRuntime
import RSM

/// A replicated log the test drives by hand: it records proposals, commits them (or anything
/// else) when told, and reports whatever term and leadership the test sets.
actor ScriptedLog: ReplicatedLog {
    struct Proposal: Equatable {
        var index: UInt64
        var term: UInt64
        var data: [UInt8]
    }

    nonisolated let applyStream: ApplyStream
    private let sink: ApplyStream.Sink
    private(set) var term: UInt64 = 1
    private(set) var isLeader = true
    private var hint: UInt64?
    private(set) var proposals: [Proposal] = []
    private var nextIndex: UInt64 = 1
    /// When set, every proposal is committed (yielded on the apply stream) before `propose`
    /// returns, as a one-node group may do.
    var commitsOnPropose = false
    var raftStateBytes = 0
    /// What ``snapshotInProgress()`` answers.
    var compacting = false
    private(set) var snapshots: [(index: UInt64, data: [UInt8])] = []
    /// ReadIndex calls made by a leader, and those still waiting for the test's answer.
    private(set) var readIndexCalls = 0
    private var pendingReadIndex: [(id: UInt64, continuation: CheckedContinuation<Result<UInt64, RaftRuntime.RaftPeerError>, Never>)] = []
    private var nextReadID: UInt64 = 0

    init() {
        (applyStream, sink) = ApplyStream.makeStream()
    }

    func propose(_ command: [UInt8]) -> (index: UInt64, term: UInt64, isLeader: Bool) {
        guard isLeader else { return (0, term, false) }
        let proposal = Proposal(index: nextIndex, term: term, data: command)
        nextIndex += 1
        proposals.append(proposal)
        if commitsOnPropose { sink.yield(.command(index: proposal.index, term: proposal.term, data: proposal.data)) }
        return (proposal.index, proposal.term, true)
    }

    /// A follower fails at once with its hint; a leader waits until the test answers with
    /// ``answerReadIndex(_:)``, or fails with `.timeout` after `timeout` (as `RaftPeer` does).
    func readIndex(timeout: Duration) async throws(RaftRuntime.RaftPeerError) -> UInt64 {
        guard isLeader else { throw .notLeader(leaderHint: hint) }
        readIndexCalls += 1
        nextReadID += 1
        let id = nextReadID
        let expiry = Task {
            try? await Task.sleep(for: timeout)
            self.expireReadIndex(id)
        }
        let result = await withCheckedContinuation { pendingReadIndex.append((id, $0)) }
        expiry.cancel()
        return try result.get()
    }

    private func expireReadIndex(_ id: UInt64) {
        guard let position = pendingReadIndex.firstIndex(where: { $0.id == id }) else { return }
        pendingReadIndex.remove(at: position).continuation.resume(returning: .failure(.timeout))
    }

    func state() -> (term: UInt64, isLeader: Bool) { (term, isLeader) }
    func leaderHint() -> UInt64? { hint }
    func raftStateSize() -> Int { raftStateBytes }
    func snapshotInProgress() -> Bool { compacting }
    func setCompacting(_ value: Bool) { compacting = value }
    func commitIndex() -> UInt64 { 0 }

    func snapshot(index: UInt64, data: [UInt8]) {
        snapshots.append((index, data))
    }

    // MARK: Test controls

    func setLeadership(term: UInt64, isLeader: Bool, hint: UInt64? = nil) {
        self.term = term
        self.isLeader = isLeader
        self.hint = hint
    }

    func setCommitsOnPropose(_ on: Bool) { commitsOnPropose = on }
    func setRaftStateBytes(_ bytes: Int) { raftStateBytes = bytes }

    /// Skips `count` indices (entries that are not commands, such as election no-ops).
    func skip(_ count: UInt64) { nextIndex += count }

    /// Commits the proposal at `index`.
    func commit(_ index: UInt64) {
        guard let proposal = proposals.first(where: { $0.index == index }) else {
            preconditionFailure("no proposal at \(index)")
        }
        sink.yield(.command(index: proposal.index, term: proposal.term, data: proposal.data))
    }

    /// Answers the waiting ReadIndex calls (after waiting up to 5 s for one to arrive).
    func answerReadIndex(_ result: Result<UInt64, RaftRuntime.RaftPeerError>) async throws {
        let deadline = ContinuousClock.now.advanced(by: TestTimeout.limit)
        while pendingReadIndex.isEmpty {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "a ReadIndex call") }
            try await Task.sleep(for: .milliseconds(2))
        }
        let waiting = pendingReadIndex
        pendingReadIndex = []
        for waiter in waiting { waiter.continuation.resume(returning: result) }
    }

    /// Delivers anything on the apply stream.
    func deliver(_ message: ApplyMessage) { sink.yield(message) }

    func finish() { sink.finish() }

    /// Waits until `count` proposals were made.
    func waitForProposals(_ count: Int) async throws {
        let deadline = ContinuousClock.now.advanced(by: TestTimeout.limit)
        while proposals.count < count {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "\(count) proposals") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

struct TestTimeout: Error, CustomStringConvertible {
    /// How long a test waits for something before failing: generous, since `swift test` runs
    /// hundreds of tests on two cores at once and one can be starved for seconds.
    static let limit: Duration = .seconds(30)

    var what: String
    var description: String { "timed out waiting for \(what)" }
}
