/// Where a ``RaftPeer`` keeps its ``AddressBook`` between restarts (``AddressBookFile`` in a
/// daemon's data directory). `save` is durable on return; the peer calls it when a membership
/// change applies, before the change is in force and before any snapshot covering it exists.
public protocol AddressBookStore: Sendable {
    /// The stored book, or nil if none was saved.
    func load() throws(RaftStoreError) -> AddressBook?
    /// Replaces the stored book; durable on return.
    func save(_ book: AddressBook) throws(RaftStoreError)
}
