import NIOCore
import RaftRuntime
import RPCCore
import RPCHTTP2
import RPCHTTP2NIO
import Synchronization

/// The HTTP/2 connections from one replica to the other members of its Raft group, made by
/// the peer's ``RaftPeerConnector`` when it starts and when a membership change adds a member,
/// closed when a change removes one and at shutdown. Every connection runs on the replica's
/// event loop group with the members' keepalive and back-off settings (``ReplicaHost``).
final class PeerConnections: Sendable {
    private let configuration: HTTP2ClientTransport.Configuration
    private let group: any EventLoopGroup
    private let transports = Mutex<[UInt64: HTTP2ClientTransport]>([:])

    init(configuration: HTTP2ClientTransport.Configuration, group: any EventLoopGroup) {
        self.configuration = configuration
        self.group = group
    }

    /// The connector the Raft peer uses.
    var connector: RaftPeerConnector {
        RaftPeerConnector(
            connect: { [self] id, address in connect(id, address) }, disconnect: { [self] id in await disconnect(id) })
    }

    private func connect(_ id: UInt64, _ text: String) -> RaftPeerClient {
        // The address book only holds addresses that parse (`MemberAddresses.isValidAddress`);
        // one this parser refuses still gets a client, whose calls fail and are retried.
        let address = (try? Address(parsing: text)) ?? Address(host: text, port: 1)
        let transport = HTTP2ClientTransport(
            host: address.host, port: address.port, configuration: configuration, group: group)
        let replaced = transports.withLock { $0.updateValue(transport, forKey: id) }
        if let replaced { Task { await replaced.close() } }
        return RaftPeerClient(wrapping: RPCClient(transport: transport))
    }

    private func disconnect(_ id: UInt64) async {
        await transports.withLock { $0.removeValue(forKey: id) }?.close()
    }

    /// Closes every connection (at shutdown).
    func closeAll() async {
        let all = transports.withLock { transports in
            defer { transports = [:] }
            return Array(transports.values)
        }
        for transport in all { await transport.close() }
    }
}
