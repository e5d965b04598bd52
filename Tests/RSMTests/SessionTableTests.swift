import Testing

@testable import RSM

/// The session table's verdicts and its deterministic oldest-first eviction.
@Suite struct SessionTableTests {
    @Test func verdictsFollowTheSequence() {
        var table = SessionTable(maxSessions: 10)
        let opening = ClientSession(clientID: 1, sequence: SessionTable.openingSequence)
        let first = ClientSession(clientID: 1, sequence: 1)
        #expect(table.verdict(for: first) == .expired, "a write of a session never opened")
        #expect(table.verdict(for: opening) == .new)
        table.record(opening, reply: [], index: 4)
        #expect(table.verdict(for: opening) == .duplicate(reply: []))
        #expect(table.verdict(for: first) == .new)
        table.record(first, reply: [1], index: 5)
        #expect(table.verdict(for: first) == .duplicate(reply: [1]))
        #expect(table.verdict(for: ClientSession(clientID: 1, sequence: 2)) == .new)
        table.record(ClientSession(clientID: 1, sequence: 2), reply: [2], index: 6)
        #expect(table.verdict(for: first) == .stale(latest: 2))
        #expect(table.verdict(for: opening) == .stale(latest: 2))
        #expect(table.count == 1)
    }

    /// The eviction policy: an evicted client's retry is refused (`.expired`), never applied a
    /// second time, and only an opening (sequence 0) brings the client id back.
    @Test func anEvictedSessionsRetryIsExpiredNotNew() {
        var table = SessionTable(maxSessions: 2)
        for client: UInt64 in 1...3 {
            table.record(ClientSession(clientID: client, sequence: 0), reply: [], index: client * 10)
            table.record(ClientSession(clientID: client, sequence: 1), reply: [UInt8(client)], index: client * 10 + 1)
        }
        #expect(table.sortedRecords.map(\.clientID) == [2, 3])
        #expect(table.verdict(for: ClientSession(clientID: 1, sequence: 1)) == .expired)
        #expect(table.verdict(for: ClientSession(clientID: 1, sequence: 2)) == .expired)
        #expect(table.verdict(for: ClientSession(clientID: 3, sequence: 1)) == .duplicate(reply: [3]))
        #expect(table.verdict(for: ClientSession(clientID: 1, sequence: 0)) == .new)
    }

    @Test func evictsTheSessionWithTheOldestLastWrite() {
        var table = SessionTable(maxSessions: 2)
        table.record(ClientSession(clientID: 1, sequence: 1), reply: [], index: 1)
        table.record(ClientSession(clientID: 2, sequence: 1), reply: [], index: 2)
        table.record(ClientSession(clientID: 1, sequence: 2), reply: [], index: 3)  // client 1 is fresh again
        table.record(ClientSession(clientID: 3, sequence: 1), reply: [], index: 4)
        #expect(table.sortedRecords.map(\.clientID) == [1, 3])
    }

    @Test func restoreKeepsTheNewestSessions() {
        var table = SessionTable(maxSessions: 2)
        table.restore([
            SessionRecord(clientID: 9, sequence: 1, reply: [], lastIndex: 30),
            SessionRecord(clientID: 8, sequence: 1, reply: [], lastIndex: 10),
            SessionRecord(clientID: 7, sequence: 1, reply: [], lastIndex: 20),
        ])
        #expect(table.sortedRecords.map(\.clientID) == [7, 9])
    }

    @Test func snapshotOrderDoesNotDependOnInsertionOrder() {
        var a = SessionTable(maxSessions: 10)
        var b = SessionTable(maxSessions: 10)
        for (client, index) in [(3, 1), (1, 2), (2, 3)] as [(UInt64, UInt64)] {
            a.record(ClientSession(clientID: client, sequence: 1), reply: [], index: index)
        }
        for (client, index) in [(2, 3), (3, 1), (1, 2)] as [(UInt64, UInt64)] {
            b.record(ClientSession(clientID: client, sequence: 1), reply: [], index: index)
        }
        #expect(a.sortedRecords == b.sortedRecords)
        #expect(a.sortedRecords.map(\.clientID) == [1, 2, 3])
    }

    /// Records migrated between groups may share a last index: eviction then takes the smaller
    /// client id, whatever order the table (a dictionary) holds them in.
    @Test func evictionTiesGoToTheSmallerClientID() {
        let tied = (1...40).map { SessionRecord(clientID: UInt64($0), sequence: 1, reply: [], lastIndex: 7) }
        for order in [tied, Array(tied.reversed()), tied.shuffled()] {
            var table = SessionTable(maxSessions: 3)
            table.restore(order)
            #expect(table.sortedRecords.map(\.clientID) == [38, 39, 40])
            table.record(ClientSession(clientID: 100, sequence: 1), reply: [], index: 7)
            #expect(table.sortedRecords.map(\.clientID) == [39, 40, 100])
        }
    }
}
