import Testing

@testable import Raft

@Suite struct ConfChangeEntryTests {
    static let samples: [ConfChangeEntry] = [
        ConfChangeEntry(change: .leaveJoint, result: ConfState(voters: [1, 2, 3])),
        ConfChangeEntry(
            change: ConfChange([.init(.addLearner, 4)], context: Array("127.0.0.1:7004".utf8)),
            result: ConfState(voters: [1, 2, 3], learners: [4])),
        ConfChangeEntry(
            change: ConfChange(
                [.init(.addVoter, 300), .init(.removeNode, 2), .init(.addVoterWhenCaughtUp, 9), .init(.addLearner, 3)],
                transition: .joint(autoLeave: true)),
            result: ConfState(
                voters: [1, 300], votersOutgoing: [1, 2, 3], learners: [9], learnersNext: [3], autoLeave: true,
                autoPromote: [9])),
        ConfChangeEntry(
            change: ConfChange([.init(.addVoter, .max)], transition: .joint(autoLeave: false)),
            result: ConfState(voters: [1, .max], votersOutgoing: [1])),
    ]

    @Test(arguments: samples) func roundTrips(_ entry: ConfChangeEntry) {
        #expect(ConfChangeEntry(decoding: entry.encoded()) == entry)
    }

    /// Every strict prefix, every appended byte and every single-byte version change is refused.
    @Test(arguments: samples) func damagedEncodingsAreRefused(_ entry: ConfChangeEntry) {
        let bytes = entry.encoded()
        for length in 0..<bytes.count {
            #expect(ConfChangeEntry(decoding: Array(bytes[..<length])) == nil, "prefix of \(length) bytes")
        }
        #expect(ConfChangeEntry(decoding: bytes + [0]) == nil)
        var otherVersion = bytes
        otherVersion[0] = 2
        #expect(ConfChangeEntry(decoding: otherVersion) == nil)
    }

    @Test func outOfRangeFieldsAreRefused() {
        // Transition 3, change kind 4, auto-leave 2, a count beyond the limit.
        #expect(ConfChangeEntry(decoding: [1, 3, 0, 0, 0, 0, 0, 0, 0, 0]) == nil)
        #expect(ConfChangeEntry(decoding: [1, 0, 1, 4, 7, 0, 0, 0, 0, 0, 0, 0]) == nil)
        #expect(ConfChangeEntry(decoding: [1, 0, 0, 0, 0, 0, 0, 0, 0, 2]) == nil)
        #expect(ConfChangeEntry(decoding: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]) != nil)
        var tooMany: [UInt8] = [1, 0]
        ConfChangeEntry.putVarint(UInt64(ConfChangeEntry.maxIDsPerList + 1), into: &tooMany)
        #expect(ConfChangeEntry(decoding: tooMany) == nil)
    }

    /// An undecodable membership entry is ignored alike by every member (and counted).
    @Test func anUndecodableCommittedChangeIsIgnored() throws {
        let c = TestCluster(ids: [1, 2, 3])
        c.campaign(1)
        var leader = c[1]
        _ = leader.appendEntries([Entry(term: leader.term, index: 0, kind: .configChange, data: [9, 9])])
        leader.broadcastAppend()
        c[1] = leader
        c.stabilize()
        for id: UInt64 in 1...3 {
            #expect(c[id].membership == ConfState(voters: [1, 2, 3]))
            #expect(c[id].droppedMessages == 1)
        }
    }
}
