import ArgumentParser
import Dispatch
import KVRaft
import Logging
import RaftRuntime
import RPCCore
import RPCHTTP2NIO
import RSM
#if canImport(Glibc)
import Glibc
#endif

/// `skv kv serve --id N --listen HOST:PORT --peer 1=HOST:PORT ... --data-dir DIR`: one replica
/// of the KV group. It serves `skv.raft.Raft` and `skv.kv.KV` on one HTTP/2 listener, reaches
/// the other members over HTTP/2, and persists its Raft state in DIR (a `DiskRaftStore`),
/// restoring the KV state from the latest snapshot on restart.
///
/// Exit status: 2 with a one-line `skv: ...` message for invalid options (a malformed address,
/// a duplicate id, its own id missing from the peers); 1 for a data directory that is locked,
/// corrupt or marked for another configuration, or an address that cannot be bound; 0 after a
/// graceful shutdown on SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run one replica of the KV group.")

    /// How long in-flight calls get to finish after SIGTERM/SIGINT before the process exits.
    static let shutdownGrace: Duration = .seconds(2)

    @Option(help: "This replica's Raft id (one of the --peer ids).")
    var id: UInt64

    @Option(help: "Address to serve Raft and KV on, HOST:PORT.")
    var listen: String

    @Option(name: .customLong("peer"), help: "A member of the group, ID=HOST:PORT (every member, this one included).")
    var peers: [String] = []

    @Option(name: .customLong("data-dir"), help: "Directory for the Raft log, snapshots and hard state.")
    var dataDir: String

    @Option(name: .customLong("max-raft-state"), help: "Snapshot when the Raft state nears this many bytes (-1: never).")
    var maxRaftState: Int = 8 << 20

    @Option(name: .customLong("heartbeat-interval-ms"), help: "Leader heartbeat interval in milliseconds (a multiple of 10).")
    var heartbeatIntervalMilliseconds: Int = 100

    @Option(name: .customLong("election-timeout-ms"), help: "Base election timeout in milliseconds (randomized in [T, 2T); a multiple of 10, above the heartbeat interval).")
    var electionTimeoutMilliseconds: Int = 300

    /// The Raft clock's tick: the timing flags are whole numbers of ticks.
    static let tickMilliseconds = 10

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "skv.kv.serve")
        logger[metadataKey: "node"] = "\(id)"

        let listenAddress: Address
        let members: PeerList
        do throws(SKVError) {
            listenAddress = try Address(parsing: listen)
            members = try PeerList(parsing: peers)
            guard members.addresses[id] != nil else {
                throw SKVError("own id \(id) is not among the peers (\(members))")
            }
            guard maxRaftState == -1 || maxRaftState > 0 else {
                throw SKVError("--max-raft-state must be positive or -1, got \(maxRaftState)")
            }
            let tick = Self.tickMilliseconds
            guard heartbeatIntervalMilliseconds >= tick, heartbeatIntervalMilliseconds % tick == 0,
                electionTimeoutMilliseconds % tick == 0, electionTimeoutMilliseconds > heartbeatIntervalMilliseconds
            else {
                throw SKVError(
                    "--heartbeat-interval-ms (\(heartbeatIntervalMilliseconds)) and --election-timeout-ms (\(electionTimeoutMilliseconds)) must be multiples of \(tick) with the election timeout above the heartbeat interval")
            }
        } catch {
            fail(error.message, status: 2)
        }

        // The store first: it locks the directory, so two replicas never share one.
        let store: DiskRaftStore
        do {
            store = try DiskRaftStore(directory: dataDir)
        } catch {
            fail("cannot open data directory \(dataDir): \(error)", status: 1)
        }
        do throws(SKVError) {
            try DataDirectoryMarker(id: id, peers: members.description).verifyOrCreate(in: dataDir)
        } catch {
            fail(error.message, status: 1)
        }

        var clientTransports: [HTTP2ClientTransport] = []
        var peerClients: [UInt64: RaftPeerClient] = [:]
        for (member, address) in members.addresses where member != id {
            let transport = HTTP2ClientTransport(host: address.host, port: address.port)
            clientTransports.append(transport)
            peerClients[member] = RaftPeerClient(wrapping: RPCClient(transport: transport))
        }
        var peerConfiguration = RaftPeer.Configuration()
        peerConfiguration.seed = UInt64.random(in: 1...UInt64.max)
        peerConfiguration.tickInterval = .milliseconds(Self.tickMilliseconds)
        peerConfiguration.heartbeatIntervalTicks = heartbeatIntervalMilliseconds / Self.tickMilliseconds
        peerConfiguration.electionTimeoutTicks = electionTimeoutMilliseconds / Self.tickMilliseconds
        // Batch appends behind one in-flight Step per follower (a disk-backed deployment).
        peerConfiguration.pipelinedRPCsPerPeer = 1
        let peer: RaftPeer
        do {
            peer = try RaftPeer(id: id, peers: peerClients, logStore: store, configuration: peerConfiguration)
        } catch {
            fail("cannot load the Raft state in \(dataDir): \(error)", status: 1)
        }
        var serverConfiguration = KVServer.Configuration()
        serverConfiguration.replication.maxRaftStateBytes = maxRaftState
        // Raft and KV share one listener, so a member's peer address is its client address.
        serverConfiguration.memberAddresses = members.addresses.mapValues { "\($0)" }
        let restored = peer.restoredSnapshot.map { RestoredSnapshot(index: $0.index, data: $0.data) }
        let kv: KVServer
        do {
            kv = try KVServer(id: id, log: peer, restoredSnapshot: restored, configuration: serverConfiguration)
        } catch {
            await peer.kill()
            fail("cannot restore the KV state from the snapshot in \(dataDir): \(error)", status: 1)
        }
        if let restored { logger.info("restored snapshot", metadata: ["index": "\(restored.index)"]) }

        let transport = HTTP2ServerTransport(host: listenAddress.host, port: listenAddress.port)
        let server = RPCServer(transport: transport, services: [peer, kv])
        let shutdown = AsyncStream.makeStream(of: Int32.self)
        let signalSources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { shutdown.continuation.yield(number) }
            source.resume()
            return source
        }
        defer { signalSources.forEach { $0.cancel() } }

        let serveTask = Task {
            do {
                try await server.serve()
            } catch {
                fail("cannot serve on \(listenAddress): \(error)", status: 1)
            }
        }
        do {
            _ = try await transport.listeningPort()
        } catch {
            await peer.kill()
            fail("cannot listen on \(listenAddress): \(error)", status: 1)
        }
        await kv.start()
        await peer.start()
        logger.info(
            "serving skv.raft.Raft and skv.kv.KV",
            metadata: ["listen": "\(listenAddress)", "peers": "\(members)", "data-dir": "\(dataDir)"])

        var signalNumber: Int32 = 0
        for await number in shutdown.stream {
            signalNumber = number
            break
        }
        logger.info("shutting down", metadata: ["signal": "\(signalNumber)"])
        server.beginGracefulShutdown()
        await kv.stop()
        // Killing the peer closes the store (and releases the directory lock).
        await peer.kill()
        let grace = Task {
            try? await Task.sleep(for: Self.shutdownGrace)
            serveTask.cancel()
        }
        await serveTask.value
        grace.cancel()
        for client in clientTransports { await client.close() }
        logger.info("stopped")
    }
}

/// Prints `skv: message` to standard error and exits with `status`.
func fail(_ message: String, status: Int32) -> Never {
    let bytes = Array("skv: \(message)\n".utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    Glibc.exit(status)
}
