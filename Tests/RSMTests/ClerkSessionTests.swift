import Testing

@testable import RSM

/// A clerk's session bookkeeping: numbering, open scopes, renewal after expiry.
@Suite struct ClerkSessionTests {
    @Test func numbersWritesAndRenewsIntoANewUnopenedSession() {
        var session = ClerkSession(clientID: 42)
        #expect(session.current == ClientSession(clientID: 42, sequence: SessionTable.openingSequence))
        #expect(!session.isOpen())
        session.markOpen()
        session.markOpen(in: 7)
        #expect(session.isOpen() && session.isOpen(in: 7) && !session.isOpen(in: 3))
        #expect(session.nextWrite() == ClientSession(clientID: 42, sequence: 1))
        #expect(session.nextWrite() == ClientSession(clientID: 42, sequence: 2))
        session.renew()
        #expect(session.current.clientID != 42)
        #expect(session.current.sequence == SessionTable.openingSequence)
        #expect(!session.isOpen() && !session.isOpen(in: 7))
        #expect(session.nextWrite().sequence == 1)
    }
}
