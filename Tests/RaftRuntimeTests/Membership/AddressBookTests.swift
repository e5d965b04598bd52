import RaftRuntime
import Testing

/// `AddressBook`'s and `MemberAddresses`' encodings: round trips, and anything else refused.
@Suite("Address book")
struct AddressBookTests {
    static let book = AddressBook(
        initialVoters: [3, 1, 2], addresses: [1: "127.0.0.1:7001", 4: "db-4.example:7004"], removed: [2, 3],
        index: 57)

    @Test func roundTripsAndReadsAsText() throws {
        let bytes = Self.book.encoded()
        #expect(AddressBook(decoding: bytes) == Self.book)
        #expect(String(decoding: bytes, as: UTF8.self) == """
            skv-members 1
            initial-voters 1 2 3
            index 57
            member 1 127.0.0.1:7001
            member 4 db-4.example:7004
            removed 2
            removed 3

            """)
        let joining = AddressBook(initialVoters: [], addresses: [9: "h:1"])
        #expect(AddressBook(decoding: joining.encoded()) == joining)
    }

    @Test func everyTruncationAndMalformedLineIsRefused() {
        let bytes = Self.book.encoded()
        for cut in 0..<bytes.count {
            // A cut at a line end that drops whole trailing lines still ends in a newline.
            let prefix = Array(bytes[..<cut])
            if let decoded = AddressBook(decoding: prefix) { #expect(decoded != Self.book) }
        }
        let bad = [
            "skv-members 2\ninitial-voters 1\nindex 0\n", "skv-members 1\ninitial-voters 0\nindex 0\n",
            "skv-members 1\ninitial-voters 1\nindex x\n", "skv-members 1\ninitial-voters 1\nindex 0\nmember 1 nohost\n",
            "skv-members 1\ninitial-voters 1\nindex 0\nmember 1 a:1\nmember 1 b:2\n",
            "skv-members 1\ninitial-voters 1\nindex 0\nremoved 2\nremoved 2\n",
            "skv-members 1\ninitial-voters 1\nindex 0\nvoter 2\n", "skv-members 1\ninitial-voters 1\nindex 0",
            "skv-members 1\ninitial-voters 1\nindex 0\nmember 1 a:70000\n",
        ]
        for text in bad { #expect(AddressBook(decoding: Array(text.utf8)) == nil, "\(text)") }
        #expect(AddressBook(decoding: [0xFF, 0x0A]) == nil)
    }

    @Test func recordingAChangeIsIdempotentAndRemovedIDsStayOut() {
        var book = AddressBook(initialVoters: [1, 2, 3], addresses: [1: "a:1", 2: "a:2", 3: "a:3"])
        let first = book.record(added: [4: "a:4"], removed: [], at: 10)
        let again = book.record(added: [5: "a:5"], removed: [], at: 10)
        let removal = book.record(added: [:], removed: [2], at: 12)
        #expect(first && !again && removal)
        #expect(book.addresses == [1: "a:1", 3: "a:3", 4: "a:4"] && book.removed == [2] && book.index == 12)
        let readd = book.record(added: [2: "a:9"], removed: [], at: 13)
        #expect(readd && book.addresses[2] == nil)
    }

    @Test func memberAddressesRoundTripAndRefuseMalformedContexts() {
        let addresses: [UInt64: String] = [4: "127.0.0.1:7004", 5: "[::1]:7005"]
        #expect(MemberAddresses.decode(MemberAddresses.encode(addresses)) == addresses)
        #expect(MemberAddresses.decode([]) == [:])
        for text in ["4 127.0.0.1:7004", "0 a:1\n", "4 a:0\n", "4 a b:1\n", "4 :1\n", "4 a:1\n4 a:2\n"] {
            #expect(MemberAddresses.decode(Array(text.utf8)) == nil, "\(text)")
        }
    }
}
