public import RPCCore
import RPCProtobuf

/// The client side of `skv.raft.Membership`: one call per RPC, no retries (the
/// ``MembershipClerk`` follows leader hints).
public struct MembershipClient: Sendable {
    public let client: RPCClient

    public init(wrapping client: RPCClient) {
        self.client = client
    }

    public func list(options: CallOptions = .defaults) async throws -> MembershipReply {
        try await client.unary(ListMembersRequest(), MembershipService.Methods.list, options: options)
    }

    /// Asks for `change`; `timeout` is how long the leader waits for it to apply.
    public func change(
        _ change: MembershipRequest, force: Bool = false, timeout: Duration? = nil, options: CallOptions = .defaults
    ) async throws -> MembershipReply {
        try await client.unary(
            MembershipChangeRequest(change, force: force, timeout: timeout), MembershipService.method(for: change),
            options: options)
    }
}
