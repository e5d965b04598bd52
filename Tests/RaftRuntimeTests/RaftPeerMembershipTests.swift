import Foundation
import Raft
import RaftRuntime
import Testing

/// Membership changes through `RaftPeer` (`changeMembership`, `membership()`, the address book
/// and the connector) on peers over HTTP/2 loopback with disk stores.
@Suite("RaftPeer membership", .serialized)
struct RaftPeerMembershipTests {
    /// Three founding members 1-3 with the listeners bound, their address books made.
    static func founded(_ cluster: LoopbackMembershipCluster) async throws {
        var addresses: [UInt64: String] = [:]
        for id: UInt64 in 1...3 { addresses[id] = try await cluster.listen(id) }
        for id: UInt64 in 1...3 {
            try await cluster.start(id, book: AddressBook(initialVoters: [1, 2, 3], addresses: addresses))
        }
    }

    /// Starts node `id` as a joining member (its book: every founder's address and its own, no
    /// membership); returns its address.
    static func startJoining(_ id: UInt64, _ cluster: LoopbackMembershipCluster) async throws -> String {
        let address = try await cluster.listen(id)
        var addresses: [UInt64: String] = [id: address]
        for founder: UInt64 in 1...3 { addresses[founder] = cluster.address(founder) }
        try await cluster.start(id, book: AddressBook(initialVoters: [], addresses: addresses))
        return address
    }

    static func roles(_ membership: Membership) -> [UInt64: Membership.Member.Role] {
        Dictionary(uniqueKeysWithValues: membership.members.map { ($0.id, $0.role) })
    }

    @Test func aJoiningNodeIsAddedAsALearnerCatchesUpAndIsPromoted() async throws {
        try await withTemporaryDirectory { root in
            let cluster = LoopbackMembershipCluster(root: root)
            try await Self.founded(cluster)
            var last: UInt64 = 0
            for k in 0..<20 { last = try await cluster.propose([UInt8(k)]) }
            // Node 4 joins: it knows every address and nothing of the membership.
            let address4 = try await Self.startJoining(4, cluster)
            let added = try await cluster.change(.add(id: 4, address: address4))
            #expect(added.member(4) == Membership.Member(id: 4, address: address4, role: .learner, promotesWhenCaughtUp: true))
            // The leader promotes it once caught up; it then has every command.
            let leader = try await cluster.leader()
            #expect(await eventually(within: .seconds(10)) { await Self.roles(leader.membership())[4] == .voter })
            #expect(await cluster.recorder(4).waitFor(index: last))
            #expect(await cluster.recorder(4).commands()[last] == [19])
            // Every member's book knows 4's address, and 4 knows the membership.
            #expect(await eventually(within: .seconds(5)) {
                for id: UInt64 in 1...4 {
                    let membership = await cluster.peer(id).membership()
                    guard Self.roles(membership) == [1: .voter, 2: .voter, 3: .voter, 4: .voter] else { return false }
                }
                return true
            })
            for id: UInt64 in 1...4 {
                let book = try #require(try AddressBookFile(directory: cluster.directory(id)).load())
                #expect(book.addresses[4] == address4 && book.index > 0)
            }
            // The four commit together.
            let next = try await cluster.propose([99])
            for id: UInt64 in 1...4 { #expect(await cluster.recorder(id).waitFor(index: next)) }
            await cluster.shutdown()
        }
    }

    @Test func aMemberThatMissedAChangeLearnsTheNewAddressFromASnapshot() async throws {
        try await withTemporaryDirectory { root in
            let cluster = LoopbackMembershipCluster(root: root)
            try await Self.founded(cluster)
            _ = try await cluster.propose([1])
            let leader = try await cluster.leader()
            let absent = cluster.runningIDs.first { $0 != leader.id }!
            await cluster.kill(absent)
            let address4 = try await Self.startJoining(4, cluster)
            _ = try await cluster.change(.addLearner(id: 4, address: address4))
            // Every running member compacts its log past the change.
            let last = try await cluster.propose([2])
            for id in cluster.runningIDs {
                #expect(await cluster.recorder(id).waitFor(index: last))
                let applied = await cluster.peer(id).status().appliedIndex
                await cluster.peer(id).snapshot(index: applied, data: [7])
                #expect(await cluster.peer(id).status().snapshotIndex == applied)
            }
            // The absent member restarts with a book that lacks node 4 and catches up from a
            // snapshot, which carries the address.
            try await cluster.start(absent)
            #expect(await eventually(within: .seconds(10)) {
                await cluster.peer(absent).membership().member(4)?.address == address4
            })
            let book = try #require(try AddressBookFile(directory: cluster.directory(absent)).load())
            #expect(book.addresses[4] == address4 && book.index >= last)
            // It reaches node 4 itself once it leads.
            #expect(await eventually(within: .seconds(10)) {
                try? await cluster.leader().transferLeadership(to: absent)
                return await eventually(within: .seconds(1)) { await cluster.peer(absent).status().isLeader }
            })
            let next = try await cluster.propose([3])
            #expect(await cluster.recorder(4).waitFor(index: next))
            await cluster.shutdown()
        }
    }

    @Test func aRemovedNodeCannotBeAddedBackAndRestartsKeepTheMembership() async throws {
        try await withTemporaryDirectory { root in
            let cluster = LoopbackMembershipCluster(root: root)
            try await Self.founded(cluster)
            _ = try await cluster.propose([1])
            // Remove the leader itself: it hands over first, the new leader removes it.
            let first = try await cluster.leader().id
            let removed = try await cluster.change(.remove(id: first))
            #expect(removed.member(first) == nil && removed.removedIDs.contains(first))
            #expect(removed.members.count == 2)
            await #expect(throws: RaftPeerError.membershipChangeRefused(
                reason: "node \(first) was removed from the group; add it under a new id")) {
                _ = try await cluster.leader().changeMembership(
                    .add(id: first, address: "127.0.0.1:1"), force: false, timeout: .seconds(5))
            }
            // The two remaining commit without it.
            await cluster.kill(first)
            let index = try await cluster.propose([2])
            let remaining = cluster.runningIDs
            for id in remaining { #expect(await cluster.recorder(id).waitFor(index: index)) }
            // Restart both from their directories alone (no peer list): same membership, and
            // they commit again.
            for id in remaining { await cluster.kill(id) }
            for id in remaining { try await cluster.start(id) }
            let again = try await cluster.propose([3], within: .seconds(20))
            for id in remaining {
                #expect(await cluster.recorder(id).waitFor(index: again))
                let membership = await cluster.peer(id).membership()
                #expect(membership.members.map(\.id) == remaining && membership.removedIDs == [first])
            }
            await cluster.shutdown()
        }
    }

    @Test func requestsTheAddressBookRulesOutAreRefused() async throws {
        try await withTemporaryDirectory { root in
            let cluster = LoopbackMembershipCluster(root: root)
            try await Self.founded(cluster)
            let leader = try await cluster.leader()
            let follower = cluster.runningIDs.first { $0 != leader.id }!
            do {
                _ = try await cluster.peer(follower).changeMembership(.promote(id: 9), force: false, timeout: .seconds(1))
                Issue.record("a follower made a membership change")
            } catch {
                guard case RaftPeerError.notLeader = error else {
                    Issue.record("a follower answered \(error)")
                    return
                }
            }
            #expect(await cluster.refusal(of: .promote(id: 9)) == .membershipChangeRefused(reason: "node 9 is not a learner"))
            #expect(
                await cluster.refusal(of: .addLearner(id: 9, address: "nowhere"))
                    == .membershipChangeRefused(reason: "nowhere is not a HOST:PORT address"))
            let taken = cluster.address(follower)
            #expect(
                await cluster.refusal(of: .addLearner(id: 9, address: taken))
                    == .membershipChangeRefused(reason: "\(taken) is member \(follower)'s address"))
            #expect(await cluster.refusal(of: .remove(id: 9)) == .unknownNode(9))
            // A learner that never answers: added, but removing a voter while another is down is
            // refused by the health check unless forced.
            let learner = try await cluster.change(.addLearner(id: 9, address: "127.0.0.1:9"))
            #expect(learner.member(9)?.role == .learner)
            let current = try await cluster.leader()
            await cluster.kill(cluster.runningIDs.first { $0 != current.id }!)
            let other = cluster.runningIDs.first { $0 != current.id }!
            // The leader counts a voter healthy while it heard from it within an election timeout
            // (60 ticks of 5 ms): two seconds are that many ticks even on a starved machine.
            try await Task.sleep(for: .seconds(2))
            #expect(
                await cluster.refusal(of: .remove(id: other)) == .membershipChangeWouldLoseQuorum(healthy: [current.id]))
            // Forced, it goes through (the two live voters commit it).
            #expect(await cluster.refusal(of: .remove(id: other), force: true) == nil)
            #expect(await current.membership().member(other) == nil)
            await cluster.shutdown()
        }
    }
}
