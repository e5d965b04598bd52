public import RPCCore

/// A client's own ends to every server of one group, indexed by server, so a test can connect
/// and disconnect that client per server (made by ``LabReplicaGroup/makeClientEnds(to:)``).
public struct LabClientEnds: Sendable {
    /// `names[i]`: the end to server `i`.
    public let names: [String]
    /// `clients[i]`: an RPC client over the end to server `i`.
    public let clients: [RPCClient]
}
