/// Where a Raft group's members are reached, as one peer knows it: the part of the membership
/// the Raft core does not keep (it knows ids only). Persisted in the data directory by
/// ``AddressBookFile`` so that a restart needs no peer list, and updated when a membership
/// change applies (the change's `context` carries the added members' addresses, see
/// ``MemberAddresses``).
///
/// Text encoding (version 1), one item per line, fields separated by one space:
/// `skv-members 1`, `initial-voters <id>…` (the group's membership at index 0, before any
/// change; none for a node that joined an existing group), `index <n>` (the last change
/// applied), then `member <id> <address>` and `removed <id>` lines in id order. Decoding
/// refuses anything else.
public struct AddressBook: Sendable, Equatable {
    /// The voters the group started with (its membership before the first change entry);
    /// empty for a node that joined a running group (its membership comes from the log or a
    /// snapshot).
    public var initialVoters: [UInt64]
    /// Every known member's `host:port` (this node's own included).
    public var addresses: [UInt64: String]
    /// Ids removed from the group: never re-added, and a daemon with one of them refuses to
    /// start.
    public var removed: Set<UInt64>
    /// The log index of the last change applied to this book (0: none).
    public var index: UInt64

    public init(
        initialVoters: [UInt64], addresses: [UInt64: String], removed: Set<UInt64> = [], index: UInt64 = 0
    ) {
        self.initialVoters = initialVoters.sorted()
        self.addresses = addresses
        self.removed = removed
        self.index = index
    }

    static let header = "skv-members 1"

    /// The book's bytes (see the type's encoding).
    public func encoded() -> [UInt8] {
        var lines = [Self.header, (["initial-voters"] + initialVoters.map { "\($0)" }).joined(separator: " ")]
        lines.append("index \(index)")
        for (id, address) in addresses.sorted(by: { $0.key < $1.key }) { lines.append("member \(id) \(address)") }
        for id in removed.sorted() { lines.append("removed \(id)") }
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Decodes `bytes`, or returns nil if they are not a version-1 encoding.
    public init?(decoding bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self), text.hasSuffix("\n") else { return nil }
        var lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard lines.popFirst() == Substring(Self.header), let votersLine = lines.popFirst(),
            let indexLine = lines.popFirst()
        else { return nil }
        let voterFields = votersLine.split(separator: " ", omittingEmptySubsequences: false)
        guard voterFields.first == "initial-voters" else { return nil }
        var voters: [UInt64] = []
        for field in voterFields.dropFirst() {
            guard let id = UInt64(field), id != 0 else { return nil }
            voters.append(id)
        }
        let indexFields = indexLine.split(separator: " ", omittingEmptySubsequences: false)
        guard indexFields.count == 2, indexFields[0] == "index", let index = UInt64(indexFields[1]) else { return nil }
        var addresses: [UInt64: String] = [:]
        var removed: Set<UInt64> = []
        for line in lines {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard let kind = fields.first, fields.count >= 2, let id = UInt64(fields[1]), id != 0 else { return nil }
            switch (kind, fields.count) {
            case ("member", 3):
                guard MemberAddresses.isValidAddress(fields[2]), addresses[id] == nil else { return nil }
                addresses[id] = String(fields[2])
            case ("removed", 2):
                guard removed.insert(id).inserted else { return nil }
            default:
                return nil
            }
        }
        self.init(initialVoters: voters, addresses: addresses, removed: removed, index: index)
    }

    /// Records a membership change applied at `index`: the addresses its `context` carries for
    /// the nodes it adds, and the nodes it removes. Returns whether the book changed (a change
    /// at or below ``index`` was recorded already: a restart applies the log again).
    @discardableResult
    public mutating func record(added: [UInt64: String], removed removedIDs: [UInt64], at index: UInt64) -> Bool {
        guard index > self.index else { return false }
        self.index = index
        for (id, address) in added where !removed.contains(id) { addresses[id] = address }
        for id in removedIDs {
            removed.insert(id)
            addresses[id] = nil
        }
        return true
    }
}
