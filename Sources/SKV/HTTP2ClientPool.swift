import RPCCore
import RPCHTTP2NIO
import Synchronization

/// One HTTP/2 client per server name, made on first use and kept: a ShardKV replica's clients
/// for other groups' servers, which configurations list by address (`HOST:PORT`). A name that
/// is not an address gets a client whose calls fail (the caller retries as for a down server).
///
/// Shared by the migration driver's tasks; the mutex guards the map (no `await` under it).
final class HTTP2ClientPool: Sendable {
    private let transports = Mutex<[String: HTTP2ClientTransport]>([:])
    /// TLS for every client of the pool (`nil`: plaintext).
    private let tls: TransportTLS?

    init(tls: TransportTLS?) {
        self.tls = tls
    }

    /// The client for `name`.
    func client(for name: String) -> RPCClient {
        let transport = transports.withLock { transports in
            if let transport = transports[name] { return transport }
            let address = (try? Address(parsing: name)) ?? Address(host: name, port: 0)
            let transport = makeClientTransport(to: address, tls: tls)
            transports[name] = transport
            return transport
        }
        return RPCClient(transport: transport)
    }

    /// Closes every client (after the users stopped; a later ``client(for:)`` makes a new one).
    func closeAll() async {
        let all = transports.withLock { transports in
            defer { transports = [:] }
            return Array(transports.values)
        }
        for transport in all { await transport.close() }
    }
}
