public import RPCCore
import Synchronization

/// An in-process network with the semantics of the labs' `labrpc` (spec 6824-tests.md §3):
/// named client ends, named servers, per-end enable/disable, unreliable delivery, long delays
/// and long reordering, and exact RPC and byte counters.
///
/// Real service stubs run over it unchanged: a ``SimulatedClientEnd`` is an RPCCore
/// ``ClientTransport``, and a server is an ``RPCRouter`` (one bundle of services, e.g. a KV
/// service and its Raft node under one server name). Messages stay serialized bytes between
/// caller and handler, so nothing is shared.
///
/// Model (as in labrpc): an end is a one-directional link from one sender to one named
/// server. It is created disabled and unconnected (``makeEnd(name:)``), connected once
/// (``connect(end:to:)``) and then enabled and disabled to partition the network
/// (``enable(end:_:)``). A crash is ``deleteServer(name:)``; a restart registers a new router
/// under the same name (``addServer(name:router:)``), which also makes the old instance's
/// in-flight replies fail.
///
/// What a call sees (the per-request algorithm is in `SimulatedNetwork+Delivery.swift`): a
/// delivered reply, or a failure reported to ``RPCClient`` as status `UNAVAILABLE` — request
/// lost, reply lost, end disabled or unconnected, server missing, deleted or replaced, end
/// closed, network cleaned up. A failed call may or may not have run its handler, exactly as
/// a labrpc `Call` returning `false`.
///
/// Thread safety: all methods may be called from any task; the configuration, the counters
/// and the random generator live under one mutex, and a change is seen by every call at its
/// next check (labrpc's checks: at send, every 100 ms while the handler runs, after it
/// returns). Randomness comes only from a ``SeededRandom`` built from ``seed``. In real time
/// (``init(seed:)``) the order of concurrent draws depends on scheduling, so a run is not
/// reproducible; on a ``SimulationScheduler`` (``init(seed:scheduler:)``) every delay is
/// virtual and every task runs on the scheduler's one thread, so a run is a function of its
/// seeds. The network prints nothing.
public final class SimulatedNetwork: Sendable {
    /// One registered server instance. `id` tells a replacement under the same name apart.
    struct ServerEntry: Sendable {
        let id: UInt64
        let router: RPCRouter
        var deliveredRPCs = 0
    }

    struct State: Sendable {
        var random: SeededRandom
        var reliable = true
        var longDelays = false
        var longReordering = false
        var ends: Set<String> = []
        var closedEnds: Set<String> = []
        var connections: [String: String] = [:]
        var enabled: [String: Bool] = [:]
        var servers: [String: ServerEntry] = [:]
        var nextServerID: UInt64 = 0
        var totalRPCs = 0
        var totalBytes = 0
        var isCleanedUp = false
    }

    /// The seed of the network's random generator (print it in tests).
    public let seed: UInt64
    let state: Mutex<State>
    /// Fulfilled by ``cleanup()``: wakes every waiting call so that it fails at once.
    let cleanedUp = OneShot<Void>()
    let timeSource: any SimulationTimeSource

    /// A reliable network with no ends and no servers; all random choices (drops, delays)
    /// are drawn from a generator seeded with `seed`.
    public convenience init(seed: UInt64) {
        self.init(seed: seed, timeSource: RealTimeSource())
    }

    /// The deterministic mode: as ``init(seed:)``, but every delay is virtual time on
    /// `scheduler` and the network's own tasks run on it. Use it only from tasks running on
    /// the scheduler (inside ``SimulationScheduler/run(drainTimeLimit:_:)``), and make calls without a
    /// timeout (``RPCClient`` enforces timeouts in real time); every call still ends in
    /// bounded virtual time, since the network itself bounds it as labrpc does.
    ///
    /// `transitTime` delays every delivered request and every delivered reply (see
    /// ``defaultVirtualTransitTime``).
    public convenience init(seed: UInt64, scheduler: SimulationScheduler, transitTime: Duration = defaultVirtualTransitTime) {
        self.init(seed: seed, timeSource: VirtualTimeSource(scheduler: scheduler, transitTime: transitTime))
    }

    /// The one-way transit time of a delivered message in virtual time. In real time a call
    /// through the network costs real CPU work (serialization, several task hops), during
    /// which callers keep running; with a cost per job only, a virtual RPC completes in a few
    /// FIFO turns and overtakes its caller's next step (a leader then replicates each proposal
    /// separately instead of batching a burst, as it does in real time).
    public static let defaultVirtualTransitTime: Duration = .microseconds(100)

    /// As ``init(seed:)``, with every delay taken from `timeSource` (tests, the virtual clock).
    init(seed: UInt64, timeSource: any SimulationTimeSource) {
        self.seed = seed
        self.state = Mutex(State(random: SeededRandom(seed: seed)))
        self.timeSource = timeSource
    }

    // MARK: Configuration

    /// Reliable (the default): no delay, no loss. Unreliable: every request waits
    /// 0 ... 26 ms, 10 % of requests and 10 % of the remaining replies are lost.
    public func setReliable(_ reliable: Bool) {
        state.withLock { $0.reliable = reliable }
    }

    /// Undeliverable calls fail after 0 ... 6999 ms when on, 0 ... 99 ms when off (default).
    public func setLongDelays(_ on: Bool) {
        state.withLock { $0.longDelays = on }
    }

    /// When on, 2/3 of delivered replies arrive 200 ... 2199 ms late (default off).
    public func setLongReordering(_ on: Bool) {
        state.withLock { $0.longReordering = on }
    }

    // MARK: Ends

    /// Creates the client end `name`: disabled and unconnected, as in labrpc. Names are
    /// unique for the network's life; making an end twice is a programmer error (trap).
    /// The end can be used as any ``ClientTransport`` (wrap it in an ``RPCClient``).
    public func makeEnd(name: String) -> SimulatedClientEnd {
        let inserted = state.withLock { $0.ends.insert(name).inserted }
        precondition(inserted, "SimulatedNetwork.makeEnd: end \(name) already exists")
        return SimulatedClientEnd(name: name, network: self)
    }

    /// Directs the end `end` at the server named `server` (which need not exist yet).
    public func connect(end: String, to server: String) {
        state.withLock { $0.connections[end] = server }
    }

    /// Enables or disables the end `end`. Disabling it also fails its calls in flight at
    /// their next check (within 100 ms, or when the handler returns).
    public func enable(end: String, _ enabled: Bool) {
        state.withLock { $0.enabled[end] = enabled }
    }

    // MARK: Servers

    /// Registers `router` as the server `name`, replacing any previous instance of that name:
    /// the old instance's handlers keep running, but their replies are discarded.
    public func addServer(name: String, router: RPCRouter) {
        state.withLock { state in
            state.servers[name] = ServerEntry(id: state.nextServerID, router: router)
            state.nextServerID += 1
        }
    }

    /// Removes the server `name` (a crash): new calls to it fail after the unreachable delay,
    /// calls in flight fail at their next check; running handlers are not cancelled.
    public func deleteServer(name: String) {
        _ = state.withLock { $0.servers.removeValue(forKey: name) }
    }

    // MARK: Counters

    /// RPCs delivered to (dispatched on) the current instance of server `server`; 0 if there
    /// is none. Like labrpc's `GetCount`, a replacement instance starts again from 0.
    public func rpcCount(server: String) -> Int {
        state.withLock { $0.servers[server]?.deliveredRPCs ?? 0 }
    }

    /// RPCs sent through any end: counted when the client half-closes the request, delivered
    /// or not (a call abandoned before it half-closed was never sent and is not counted).
    public var totalRPCs: Int {
        state.withLock { $0.totalRPCs }
    }

    /// Request message bytes of every sent RPC plus reply message bytes of every delivered
    /// reply (counted at delivery; a reply whose caller gave up during a reordering delay is
    /// not delivered and not counted). Metadata and status are not counted.
    public var totalBytes: Int {
        state.withLock { $0.totalBytes }
    }

    // MARK: Lifecycle

    /// Shuts the network down: every call in flight fails at once with `UNAVAILABLE` (its
    /// handler, if running, is not cancelled), and every later call fails immediately.
    /// Idempotent.
    public func cleanup() {
        state.withLock { $0.isCleanedUp = true }
        cleanedUp.fulfil(())
    }

    /// Marks the end `name` closed (``SimulatedClientEnd/close()``): its new calls fail.
    func closeEnd(name: String) {
        _ = state.withLock { $0.closedEnds.insert(name) }
    }

    /// Why a new call through end `name` must fail at once, or `nil` if it may start.
    func refusal(forEnd name: String) -> String? {
        state.withLock { state in
            if state.isCleanedUp { return "The simulated network was cleaned up." }
            if state.closedEnds.contains(name) { return "The simulated client end \(name) is closed." }
            return nil
        }
    }
}
