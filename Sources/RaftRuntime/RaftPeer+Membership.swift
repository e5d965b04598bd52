import Raft
import RPCCore

/// Membership changes through the peer (issue 14; the core's rules are in
/// `RaftNode+Membership.swift`, the design in docs/membership.md).
///
/// The peer keeps the ``AddressBook`` (where members are reached) beside the core's
/// membership (who votes): when a committed change entry is handed on, the peer records the
/// addresses its context carries and the nodes it removes, saves the book (durable before the
/// change is in force on this node, so before any snapshot covering it), connects to added
/// members through its ``RaftPeerConnector`` and disconnects from removed ones. A restart reads
/// the book and applies the log again (recording a change twice is a no-op).
extension RaftPeer: MembershipControl {
    /// How the peer reaches members that were not in its peer table at start.
    public struct MembershipSetup: Sendable {
        /// The book the peer starts from (loaded from `store`, or made from the command line
        /// at first start).
        public var addressBook: AddressBook
        /// Where the book is saved when a change applies; nil keeps it in memory only.
        public var store: (any AddressBookStore)?
        /// Makes and closes clients for members added or removed while running; nil: added
        /// members are not connected to (tests with a fixed peer table).
        public var connector: RaftPeerConnector?

        public init(addressBook: AddressBook, store: (any AddressBookStore)?, connector: RaftPeerConnector?) {
            self.addressBook = addressBook
            self.store = store
            self.connector = connector
        }
    }

    /// One waiting ``changeMembership(_:force:timeout:)`` call.
    struct PendingMembershipChange {
        var term: UInt64
        var continuation: CheckedContinuation<Membership, any Error>
        /// When the call times out, on ``readClock``'s scale.
        var deadline: Duration
    }

    public func membership() -> Membership {
        let state = node.membership
        let book = addressBook
        var members: [Membership.Member] = []
        for id in state.members {
            let role: Membership.Member.Role =
                state.voters.contains(id) ? .voter : state.votersOutgoing.contains(id) ? .outgoingVoter : .learner
            members.append(
                Membership.Member(
                    id: id, address: book.addresses[id], role: role,
                    promotesWhenCaughtUp: state.autoPromote.contains(id)))
        }
        return Membership(
            members: members, isJoint: state.isJoint, index: book.index, leaderID: node.leader == 0 ? nil : node.leader,
            removedIDs: Array(book.removed))
    }

    public func changeMembership(_ request: MembershipRequest, force: Bool, timeout: Duration) async throws(RaftPeerError)
        -> Membership
    {
        guard !killed else { throw .stopped }
        guard node.role == .leader else { throw .notLeader(leaderHint: node.leader == 0 ? nil : node.leader) }
        let change = try confChange(for: request)
        do {
            return try await withCheckedThrowingContinuation { continuation in
                startMembershipChange(change, force: force, timeout: timeout, continuation: continuation)
            }
        } catch let error as RaftPeerError {
            throw error
        } catch {
            throw .stopped
        }
    }

    /// The core's change for `request`, or the refusal of a request the address book rules out.
    private func confChange(for request: MembershipRequest) throws(RaftPeerError) -> ConfChange {
        let state = node.membership
        switch request {
        case .add(let id, let address), .addLearner(let id, let address):
            guard !addressBook.removed.contains(id) else {
                throw .membershipChangeRefused(reason: "node \(id) was removed from the group; add it under a new id")
            }
            guard MemberAddresses.isValidAddress(Substring(address)) else {
                throw .membershipChangeRefused(reason: "\(address) is not a HOST:PORT address")
            }
            if let known = addressBook.addresses[id], state.members.contains(id), known != address {
                throw .membershipChangeRefused(reason: "node \(id) is already a member at \(known)")
            }
            if let other = addressBook.addresses.first(where: { $0.value == address && $0.key != id }),
                state.members.contains(other.key)
            {
                throw .membershipChangeRefused(reason: "\(address) is member \(other.key)'s address")
            }
            let kind: ConfChange.Change.Kind
            if case .add = request { kind = .addVoterWhenCaughtUp } else { kind = .addLearner }
            return ConfChange([.init(kind, id)], context: MemberAddresses.encode([id: address]))
        case .promote(let id):
            guard state.learners.contains(id) else {
                throw .membershipChangeRefused(reason: "node \(id) is not a learner")
            }
            return ConfChange([.init(.addVoter, id)])
        case .remove(let id):
            guard state.members.contains(id) else { throw .unknownNode(id) }
            return ConfChange([.init(.removeNode, id)])
        }
    }

    private func startMembershipChange(
        _ change: ConfChange, force: Bool, timeout: Duration, continuation: CheckedContinuation<Membership, any Error>
    ) {
        let receipt: ProposalReceipt
        do {
            receipt = try node.proposeConfChange(change, force: force)
        } catch {
            // Removing the leader starts a transfer: let its message leave.
            processReady()
            continuation.resume(throwing: RaftPeerError(error))
            return
        }
        pendingMembershipChanges[receipt.indices.lowerBound] = PendingMembershipChange(
            term: receipt.term, continuation: continuation, deadline: readClock.now + timeout)
        processReady()
    }

    /// Records the membership change in `entry` (committed, being handed on) in the address
    /// book, saves the book, and connects to added members and disconnects from removed ones.
    /// Returns false if the book could not be saved (the store failed: the peer stops).
    func recordMembershipChange(_ entry: Entry) -> Bool {
        // An undecodable entry is ignored alike by the core on every member.
        guard let decoded = ConfChangeEntry(decoding: entry.data) else { return true }
        let added = decoded.change.changes.filter { $0.kind != .removeNode }.map(\.nodeID)
        let removed = decoded.change.changes.filter { $0.kind == .removeNode }.map(\.nodeID)
        let addresses = (MemberAddresses.decode(decoded.change.context) ?? [:]).filter { added.contains($0.key) }
        var book = addressBook
        guard book.record(added: addresses, removed: removed, at: entry.index) else { return true }
        guard adopt(book) else { return false }
        eventLog.membershipChanged(index: entry.index, change: decoded.change.description, result: decoded.result)
        for (id, address) in addresses where id != self.id && peers[id] == nil {
            if let connector { peers[id] = connector.connect(id, address) }
        }
        for id in removed where id != self.id {
            stepStreams.removeValue(forKey: id)?.close()
            guard peers.removeValue(forKey: id) != nil, let connector else { continue }
            queued[id] = nil
            queuedBytes[id] = nil
            Task(executorPreference: configuration.taskExecutor) { await connector.disconnect(id) }
        }
        return true
    }

    /// Merges the address book a snapshot from the leader carries (see ``snapshot(index:data:)``)
    /// into this peer's: addresses of members it did not know, removed ids, and the snapshot's
    /// index (the changes it covers are never applied here one by one). Saves the book and
    /// connects to the new members. Returns false if the book could not be saved.
    func recordSnapshotMembership(_ metadata: Snapshot.Metadata) -> Bool {
        var book = addressBook
        if let carried = AddressBook(decoding: metadata.context) {
            book.removed.formUnion(carried.removed)
            for (id, address) in carried.addresses where !book.removed.contains(id) && book.addresses[id] == nil {
                book.addresses[id] = address
            }
            for id in book.removed { book.addresses[id] = nil }
        }
        book.index = max(book.index, metadata.index)
        guard book != addressBook else { return true }
        guard adopt(book) else { return false }
        for id in metadata.confState.members where id != self.id && peers[id] == nil {
            if let connector, let address = book.addresses[id] { peers[id] = connector.connect(id, address) }
        }
        return true
    }

    /// Saves `book` (durable on return) and makes it the peer's; false if the store failed (the
    /// peer then stops, as for any store failure).
    private func adopt(_ book: AddressBook) -> Bool {
        if let store = addressBookStore {
            do {
                try store.save(book)
            } catch {
                storeFailed(error)
                return false
            }
        }
        addressBook = book
        return true
    }

    /// The start of the `FAILED_PRECONDITION` message a member answers a `Step` from a node its
    /// address book lists as removed with (see ``learnedOwnRemoval(from:error:)``).
    static let removedSenderMessage = "the sender was removed from the Raft group"

    /// Refuses a `Step` from a node this peer's address book lists as removed: a member that
    /// was stopped before it applied its own removal (or restarted from an older copy of its
    /// directory) learns it this way when it next sends (etcd's `ErrMemberRemoved`).
    func refuseRemovedSender(_ sender: UInt64) throws(RPCError) {
        guard addressBook.removed.contains(sender) else { return }
        throw RPCError(code: .failedPrecondition, message: "\(Self.removedSenderMessage) (node \(sender))")
    }

    /// Whether `error` (from a `Step` to `peer`) says this node was removed from the group; if
    /// so, records the removal in the address book and stops the peer (``wasRemovedFromGroup``).
    /// Only a member that applied the removal answers so, and a removal is applied only once
    /// committed, so the node is indeed out of the group.
    func learnedOwnRemoval(from peer: UInt64, error: any Error) -> Bool {
        guard let error = error as? RPCError, error.code == .failedPrecondition,
            error.message.hasPrefix(Self.removedSenderMessage)
        else { return false }
        var book = addressBook
        book.removed.insert(id)
        guard adopt(book) else { return true }
        eventLog.removedFromGroup(toldBy: peer)
        wasRemovedFromGroup = true
        kill()
        return true
    }

    /// Resumes the membership-change calls a `Ready`'s committed entries settle: the call
    /// whose entry is at that index and of its term succeeds, one whose index holds another
    /// entry failed (its leader was deposed and the entry overwritten). Called after `advance`,
    /// so the membership returned is the one in force.
    func settleMembershipChanges(_ entries: [Entry]) {
        guard !pendingMembershipChanges.isEmpty else { return }
        for entry in entries {
            guard let pending = pendingMembershipChanges.removeValue(forKey: entry.index) else { continue }
            if entry.term == pending.term && entry.kind == .configChange {
                pending.continuation.resume(returning: membership())
            } else {
                pending.continuation.resume(throwing: RaftPeerError.leadershipLost)
            }
        }
    }

    /// Fails the membership-change calls whose deadline passed (called on every tick), in
    /// index order.
    func expireMembershipChanges() {
        guard !pendingMembershipChanges.isEmpty else { return }
        let now = readClock.now
        for index in pendingMembershipChanges.filter({ $0.value.deadline <= now }).keys.sorted() {
            pendingMembershipChanges.removeValue(forKey: index)?.continuation.resume(throwing: RaftPeerError.timeout)
        }
    }

    /// Fails every waiting membership-change call (the peer stopped), in index order.
    func failMembershipChanges(_ error: RaftPeerError) {
        let pending = pendingMembershipChanges.sorted { $0.key < $1.key }.map(\.value)
        pendingMembershipChanges = [:]
        for change in pending { change.continuation.resume(throwing: error) }
    }
}
