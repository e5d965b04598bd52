@testable import Raft
import Testing

/// `Config.appendsNoopOnElection`: by default a new leader appends an empty entry of its term
/// (§8); turned off, the log holds only proposals (the labs' numbering).
@Suite struct NoopOnElectionTests {
    func singleNodeLeader(appendsNoop: Bool) throws -> RaftNode {
        let storage = MemoryStorage(voters: [1])
        var node = try RaftNode(config: Config(id: 1, appendsNoopOnElection: appendsNoop), storage: storage)
        node.campaign()
        while node.hasReady {
            let ready = node.ready()
            storage.append(ready.entries)
            if let hardState = ready.hardState { storage.setHardState(hardState) }
            node.advance(ready)
        }
        return node
    }

    @Test func leaderAppendsNoopByDefault() throws {
        let node = try singleNodeLeader(appendsNoop: true)
        #expect(node.role == .leader)
        #expect(node.lastIndex == 1)
    }

    @Test func withoutNoopTheFirstProposalIsIndexOne() throws {
        var node = try singleNodeLeader(appendsNoop: false)
        #expect(node.role == .leader)
        #expect(node.lastIndex == 0)
        let receipt = try node.propose([42])
        #expect(receipt.index == 1)
    }
}
