/// Which callers may use which services on a server that one listener shares between trusted
/// members and ordinary clients (Raft and shard migration beside the client API).
///
/// Calls to a ``restrictedServices`` service need a caller whose transport proved a
/// ``PeerIdentity`` that ``isMember`` accepts; anything else is refused before the handler
/// runs, with a reply status (never a crash): `UNAUTHENTICATED` when the caller proved no
/// identity (plaintext, or TLS without a client certificate), `PERMISSION_DENIED` when it
/// proved one that is not a member's. Calls to other services pass unchecked.
public struct PeerAuthorization: Sendable {
    /// Fully qualified names of the member-only services (`skv.raft.Raft`, …).
    public var restrictedServices: Set<String>
    /// Whether a verified identity belongs to a member.
    public var isMember: @Sendable (PeerIdentity) -> Bool

    public init(restrictedServices: Set<String>, isMember: @escaping @Sendable (PeerIdentity) -> Bool) {
        self.restrictedServices = restrictedServices
        self.isMember = isMember
    }

    /// `nil` if the call may proceed, else the status that refuses it.
    public func refusal(for context: ServerContext) -> Status? {
        guard restrictedServices.contains(context.descriptor.service) else { return nil }
        guard let identity = context.peerIdentity else {
            return Status(
                code: .unauthenticated,
                message: "\(context.descriptor.service) is for members only: present a member's TLS certificate.")
        }
        guard isMember(identity) else {
            return Status(
                code: .permissionDenied,
                message:
                    "\(context.descriptor.service) is for members only; certificate \(identity) is not a member's.")
        }
        return nil
    }
}
