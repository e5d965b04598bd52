import Dispatch
import Logging
import Raft
import RaftRuntime
import RPCCore
import RPCHTTP2
import RPCHTTP2NIO
import RSM
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Runs one replica daemon: the part every `skv … serve` shares. It checks the
/// ``ReplicaOptions``, opens the data directory (a locking `DiskRaftStore`, then the
/// ``DataDirectoryMarker`` for its service), creates the Raft peer with HTTP/2 clients to the
/// other members, lets the caller make the service on it (restored from the peer's snapshot),
/// serves Raft and the service on one HTTP/2 listener, and on SIGTERM or SIGINT stops
/// gracefully: the service, then the peer (closing the store), then the listener after at most
/// ``shutdownGrace``.
///
/// Exit status: 2 with a one-line `skv: ...` message for invalid options (a malformed
/// address, a duplicate id, its own id missing from the peers, unusable timing); 1 for a data
/// directory that is locked, corrupt or marked for another configuration or service, a
/// snapshot the service cannot restore, or an address that cannot be bound; `run` returns
/// after a graceful shutdown (exit 0).
struct ReplicaHost {
    /// How long in-flight calls get to finish after SIGTERM/SIGINT before the process exits.
    static let shutdownGrace: Duration = .seconds(2)
    /// Exit status when the data directory, the snapshot or the listen address is unusable.
    static let exitStartFailure: Int32 = 1
    /// Exit status when the Raft store failed while serving (a full disk, `EIO`): see
    /// ``RaftPeerLifecycle`` for why the daemon exits. Restart it once the disk is fixed.
    static let exitStorageFailure: Int32 = 74  // EX_IOERR (sysexits.h); 1 and 2 are taken
    /// Exit status when a member told this node it was removed from its group: a supervisor
    /// should not restart it (it would refuse to start, status 1).
    static let exitRemoved: Int32 = 78  // EX_CONFIG (sysexits.h)
    /// Largest gRPC message, in bytes, between the members and on the listener (raised
    /// deliberately from the transports' 32 MiB default). A leader sends a snapshot in chunks
    /// of ``snapshotChunkBytes`` (`InstallSnapshot`), but a member of an earlier version sends
    /// it in one `Step` message, and `skv kv snapshot save` fetches one whole: so this is the
    /// snapshot store's own limit (`SnapshotStore.Config.maxSnapshotBytes`, 1 GiB, which also
    /// bounds what `InstallSnapshot` accepts) plus room for the envelope; 1 million 100-byte
    /// values make a ≈ 120 MB snapshot. A larger snapshot fails its transfer with
    /// `RESOURCE_EXHAUSTED`, which the leader retries at a bounded rate (`RaftPeer+Snapshot.swift`).
    /// The service's own RPCs share the listener, so a client message is buffered up to this
    /// size before the service checks its own limits (e.g. `KVServer`'s 1 MiB values).
    static let maxMessageBytes = (1 << 30) + (1 << 20)
    /// Data bytes per `InstallSnapshot` chunk a leader sends
    /// (`RaftPeer.Configuration.snapshotChunkBytes`).
    static let snapshotChunkBytes = 1 << 20

    /// The connections to the other members notice a path that went silent (a partition, a
    /// stopped peer) within about interval + timeout and are replaced, and reconnect attempts
    /// are at most ``peerMaxBackoff`` apart and give up on a silent connect after
    /// ``peerConnectTimeout``. With the transport's defaults (30 s + 10 s keepalive, 5 s back-off
    /// and connect timeout) a follower cut off for 30 s caught up only ≈ 10 s after the
    /// partition healed: the leader's appends sat behind TCP's retransmission back-off on the
    /// old connection (PartitionTests' followerCutForLongCatchesUpAfterTheHeal). The back-off
    /// is also how long a restarted member may wait for the leader's first message: at 1 s, a
    /// wiped follower of a 1 M-key group sat idle 0.3-1.7 s of its 2.4-3.1 s catch-up (perf);
    /// at 200 ms a member that is down costs each other member ≈ 5 refused connects a second.
    static let peerKeepalive = KeepaliveConfiguration(interval: .seconds(1), timeout: .seconds(2))
    static let peerMaxBackoff: Duration = .milliseconds(200)
    static let peerConnectTimeout: Duration = .seconds(1)

    var options: ReplicaOptions
    /// The service recorded in (and checked against) the data directory's marker.
    var service: DataDirectoryMarker.Service
    /// The service's RPC name for the log (`skv.kv.KV`, …).
    var serviceName: String
    /// `--metrics-listen` (see ``ReplicaMonitoring``).
    var metrics = MetricsOptions()
    /// `--tls-*`, `--insecure` (see ``TLSOptions``).
    var tls: TLSOptions

    /// Longest a leader's graceful stop waits for another member to take over
    /// (``LeadershipHandoff``): a few election timeouts' worth at the default timing.
    static let leadershipHandoffTimeout: Duration = .seconds(1)
    /// Longest a graceful stop may take in all before the remaining services are cancelled
    /// (the handoff, the listener's grace, then stopping the service and the peer).
    static let maxGracefulShutdown: Duration = .seconds(10)

    /// Runs until SIGTERM or SIGINT; exits the process (see the type's exit statuses) on a
    /// start-up failure. `makeService` may throw if the service cannot restore its snapshot.
    ///
    /// Once the store is open and the service restored, the replica runs as a
    /// swift-service-lifecycle `ServiceGroup` of, in start order: the Raft peer
    /// (``RaftPeerLifecycle``), the service (``ReplicaServiceLifecycle``), the metrics and
    /// status server (``MonitoringLifecycle``), the listener (``RPCServerLifecycle``) and the
    /// ``LeadershipHandoff``. A graceful stop runs in reverse order: a leader hands leadership
    /// over, the listener drains (calls in flight finish within ``shutdownGrace``), the metrics
    /// server stops, the service stops, and the peer is killed, closing the store.
    func run(makeService: (ReplicaContext) async throws -> any ReplicaService) async {
        let label = switch service {
        case .kv: "skv.kv.serve"
        case .ctrler: "skv.ctrler.serve"
        case .shard: "skv.shard.serve"
        }
        let level: Logger.Level
        do throws(SKVError) {
            level = try options.log.level()
        } catch {
            fail(error.message, status: SKVCommand.exitBadOptions)
        }
        LoggingSystem.bootstrap { name in
            var handler = StreamLogHandler.standardError(label: name)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: label)
        logger[metadataKey: "node"] = "\(options.id)"
        if case .shard(let gid) = service { logger[metadataKey: "gid"] = "\(gid)" }

        // Signals first: a SIGTERM that arrives while the replica starts (opening the store,
        // restoring a snapshot, binding) is kept and handled as a graceful stop once the
        // service group runs, instead of killing the process by the default action. These
        // sources, not the group's own signal handling, therefore stay the one path from a
        // signal to `triggerGracefulShutdown` (which the group remembers if it comes early).
        let stops = AsyncStream.makeStream(of: Int32.self)
        let signalSources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stops.continuation.yield(number) }
            source.resume()
            return source
        }
        defer { signalSources.forEach { $0.cancel() } }

        let (listenAddress, members): (Address, PeerList)
        do throws(SKVError) {
            (listenAddress, members) = try options.validated()
        } catch {
            fail(error.message, status: SKVCommand.exitBadOptions)
        }
        let (transportTLS, authorization) = tls.validated(listen: listenAddress)
        let id = options.id
        let dataDir = options.dataDir
        // Before the store, the peer and the RPC server make their metric handles.
        let monitoring = ReplicaMonitoring(options: metrics)

        // The store first: it locks the directory, so two replicas never share one.
        let store: DiskRaftStore
        do {
            store = try DiskRaftStore(directory: dataDir)
        } catch {
            fail("cannot open data directory \(dataDir): \(error)", status: Self.exitStartFailure)
        }
        do throws(SKVError) {
            try DataDirectoryMarker(service: service, id: id).verifyOrCreate(in: dataDir)
        } catch {
            fail(error.message, status: Self.exitStartFailure)
        }
        let addressBookStore = AddressBookFile(directory: dataDir)
        let book = addressBook(in: addressBookStore, members: members, logger: logger)

        // One thread for the listener, the connections to the peers and the Raft peer's tasks:
        // a request reaches the service, the state machine's actor and the peer, and the
        // peer's appends and their answers travel, without waking another thread. The state
        // machine's tasks stay on the global executor: on the loop as well (with snapshots on
        // the global executor, RSM's snapshotExecutor) single-stream Gets took 0.43 instead of
        // 0.57 ms but Puts at 256 streams lost a third of their throughput (the apply no longer
        // runs beside the loop on the second core; bench-kv, 2 cores).
        let thread = EventLoopThread()
        var clientConfiguration = HTTP2ClientTransport.Configuration()
        clientConfiguration.maxSendMessageBytes = Self.maxMessageBytes
        clientConfiguration.maxReceiveMessageBytes = Self.maxMessageBytes
        clientConfiguration.tls = transportTLS
        clientConfiguration.keepalive = Self.peerKeepalive
        clientConfiguration.maxBackoff = Self.peerMaxBackoff
        clientConfiguration.connectTimeout = Self.peerConnectTimeout
        let connections = PeerConnections(configuration: clientConfiguration, group: thread.group)
        let peer: RaftPeer
        do {
            var configuration = peerConfiguration
            configuration.taskExecutor = thread.taskExecutor
            configuration.snapshotChunkBytes = Self.snapshotChunkBytes
            configuration.snapshotTaskExecutor = globalConcurrentExecutor
            // SKV_STEP_STREAMS=0: a unary call per Step, for benchmarks that compare the two.
            configuration.sendsOverStepStreams = getenv("SKV_STEP_STREAMS").map { String(cString: $0) } != "0"
            configuration.logger = logger
            peer = try RaftPeer(
                id: id, peers: [:], logStore: store, configuration: configuration,
                membership: RaftPeer.MembershipSetup(
                    addressBook: book, store: addressBookStore, connector: connections.connector))
        } catch {
            fail("cannot load the Raft state in \(dataDir): \(error)", status: Self.exitStartFailure)
        }
        var replication = ReplicatedStateMachine.Configuration()
        replication.maxRaftStateBytes = options.maxRaftState
        replication.snapshotLogRatioPercent = options.snapshotLogRatio
        replication.logger = logger
        replication.maxSessions = options.maxSessions
        replication.readTaskExecutor = thread.taskExecutor
        // Snapshots are encoded from a copy of the state (all three services' machines are
        // CopyOnWriteStateMachines) on the global executor while the applies go on.
        replication.snapshotExecutor = globalConcurrentExecutor
        // Members snapshot at different sizes, not all at once (see the option).
        replication.snapshotThresholdSpreadPercent = 40
        replication.snapshotThresholdSeed = UInt64.random(in: 1...UInt64.max)
        var context = ReplicaContext(
            id: id, peer: peer,
            restoredSnapshot: peer.restoredSnapshot.map { RestoredSnapshot(index: $0.index, data: $0.data) },
            memberAddressLookup: { [peer] in peer.knownAddresses() }, replication: replication, logger: logger,
            tls: transportTLS)
        let restoredIndex = context.restoredSnapshot?.index
        let replica: any ReplicaService
        do {
            replica = try await makeService(context)
        } catch {
            await peer.kill()
            let file = restoredIndex.map { DiskRaftStore.snapshotFile(directory: dataDir, index: $0) } ?? dataDir
            fail("cannot restore the \(serviceName) state from the snapshot \(file): \(error)", status: Self.exitStartFailure)
        }
        if let restoredIndex { logger.info("restored snapshot", metadata: ["index": "\(restoredIndex)"]) }
        // The service has its state: nothing keeps the snapshot's bytes any more (≈ 110 MB at 1 M keys).
        context.restoredSnapshot = nil
        peer.releaseRestoredSnapshot()

        var serverConfiguration = HTTP2ServerTransport.Configuration()
        serverConfiguration.connection.maxReceiveMessageBytes = Self.maxMessageBytes
        serverConfiguration.connection.maxSendMessageBytes = Self.maxMessageBytes
        serverConfiguration.tls = transportTLS
        let transport = HTTP2ServerTransport(
            host: listenAddress.host, port: listenAddress.port, configuration: serverConfiguration, group: thread.group)
        let server = RPCServer(
            transport: transport, services: [peer, replica, MembershipServer(control: peer)], authorization: authorization)

        let services: [any Service] = [
            RaftPeerLifecycle(peer: peer),
            ReplicaServiceLifecycle(replica: replica),
            MonitoringLifecycle(monitoring: monitoring, context: context, replica: replica, group: thread.group),
            RPCServerLifecycle(server: server, grace: Self.shutdownGrace),
            LeadershipHandoff(peer: peer, timeout: Self.leadershipHandoffTimeout, logger: logger),
        ]
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map {
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = Self.maxGracefulShutdown
        let group = ServiceGroup(configuration: groupConfiguration)
        let signalForwarding = Task {
            for await number in stops.stream {
                logger.info("shutting down", metadata: ["reason": "signal \(number)"])
                await group.triggerGracefulShutdown()
            }
        }
        let announcement = Task {
            guard (try? await transport.listeningPort()) != nil else { return }
            logger.info(
                "serving skv.raft.Raft and \(serviceName)",
                metadata: [
                    "listen": "\(listenAddress)", "members": "\(book.addresses.sorted { $0.key < $1.key })",
                    "data-dir": "\(dataDir)", "allocator": "\(Allocator.summary())",
                ])
        }
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        signalForwarding.cancel()
        announcement.cancel()
        // Asked before the thread stops (the answer is a future on its event loop).
        let bound = (try? await transport.listeningPort()) != nil
        await connections.closeAll()
        await thread.shutdown()
        if let failure = failure as? RaftStorageFailure { fail("\(failure)", status: Self.exitStorageFailure) }
        if let failure = failure as? RaftMemberRemoved { fail("\(failure)", status: Self.exitRemoved) }
        if let failure {
            // The group stopped because the listener failed (the only other service that throws;
            // the group rethrows its error as is): it could not bind, or failed while serving.
            fail(
                "\(bound ? "cannot serve on" : "cannot listen on") \(listenAddress): \(failure)",
                status: Self.exitStartFailure)
        }
        if StageTiming.shared.isEnabled {
            let bytes = Array("stage timing of node \(id) (SKV_STAGE_TIMING=1):\n\(StageTiming.shared.report())\n".utf8)
            _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
        logger.info("stopped")
    }

    /// The data directory's address book, or at the first start the one made from `--peer`
    /// (and `--join`) and saved. Exits the process if it cannot be read or written, or if it
    /// lists this node as removed from its group (it may not rejoin under the same id).
    private func addressBook(in store: AddressBookFile, members: PeerList, logger: Logger) -> AddressBook {
        let id = options.id
        let stored: AddressBook?
        do {
            stored = try store.load()
        } catch {
            fail("cannot read the address book \(store.path): \(error)", status: Self.exitStartFailure)
        }
        let given = members.addresses.mapValues { "\($0)" }
        guard let stored else {
            // The first start (or a directory from before the address book: its marker pinned
            // this peer list, so these were its initial voters).
            let book = AddressBook(
                initialVoters: options.join ? [] : members.addresses.keys.sorted(), addresses: given)
            do {
                try store.save(book)
            } catch {
                fail("cannot write the address book \(store.path): \(error)", status: Self.exitStartFailure)
            }
            return book
        }
        guard !stored.removed.contains(id) else {
            fail(
                "node \(id) was removed from its group (\(store.path)) and may not rejoin under the same id; "
                    + "wipe the data directory and add it as a new member with another id",
                status: Self.exitStartFailure)
        }
        if stored.addresses != given {
            logger.notice(
                "using the data directory's address book; --peer is read at the first start only",
                metadata: ["members": "\(stored.addresses.sorted { $0.key < $1.key })", "path": "\(store.path)"])
        }
        return stored
    }

    /// The Raft peer's timing from the options, a random seed, one in-flight Step per
    /// follower (appends batch behind it: a disk-backed deployment), followers told of a
    /// commit with the next append or tick (not by a `Step` of its own per commit, which sat
    /// on every write's path: single-stream Put p50 0.90-0.96 → 0.78-0.81 ms, bench of
    /// 2026-12-06), and the store's writes and fsyncs on their own queue, off the cooperative pool.
    private var peerConfiguration: RaftPeer.Configuration {
        var configuration = RaftPeer.Configuration()
        configuration.seed = UInt64.random(in: 1...UInt64.max)
        configuration.tickInterval = .milliseconds(ReplicaOptions.tickMilliseconds)
        configuration.heartbeatIntervalTicks = options.heartbeatIntervalMilliseconds / ReplicaOptions.tickMilliseconds
        configuration.electionTimeoutTicks = options.electionTimeoutMilliseconds / ReplicaOptions.tickMilliseconds
        configuration.pipelinedRPCsPerPeer = 1
        configuration.commitBroadcast = .nextTick
        configuration.leaseReadsMaxClockDriftPercent = options.leaseReadsMaxClockDriftPercent
        // SKV_STORAGE_WRITES=sync: the earlier behaviour, for benchmarks that compare the two.
        configuration.writesStorageAsynchronously = getenv("SKV_STORAGE_WRITES").map { String(cString: $0) } != "sync"
        return configuration
    }
}
