import ArgumentParser
import RSM

/// The options every replica daemon takes (`skv kv serve`, `skv ctrler serve`, `skv shard
/// serve`): its Raft id, listen address, the group's members, data directory, snapshot
/// threshold and Raft timing. ``validated()`` checks them together.
struct ReplicaOptions: ParsableArguments {
    /// The Raft clock's tick: the timing flags are whole numbers of ticks.
    static let tickMilliseconds = 10

    @Option(help: "This replica's Raft id (one of the --peer ids at the first start).")
    var id: UInt64

    @Option(help: "Address to serve Raft and the service on, HOST:PORT.")
    var listen: String

    @Option(
        name: .customLong("peer"),
        help: "A member of the group, ID=HOST:PORT (every member, this one included); read at the first start only.")
    var peers: [String] = []

    @Option(name: .customLong("data-dir"), help: "Directory for the Raft log, snapshots and hard state.")
    var dataDir: String

    @Flag(
        help: """
            Join a running group as a new member (after `skv ... member add ID HOST:PORT`): the --peer list gives \
            every member's address, this one's included, and the membership comes from the group. Read only at \
            the first start; later starts use the data directory's address book.
            """)
    var join = false

    @Option(
        name: .customLong("max-raft-state"), help: "Snapshot when the Raft state nears this many bytes (-1: never).")
    var maxRaftState: Int = 8 << 20

    @Option(
        name: .customLong("snapshot-log-ratio"),
        help: """
            With a large state, wait also until the Raft state reaches this many percent of the newest snapshot's \
            size before taking the next one (0: only --max-raft-state counts). Keeps snapshot work proportional \
            to the writes; the log holds at most this share of the state more.
            """)
    var snapshotLogRatio: Int = 50

    @Option(
        name: .customLong("max-sessions"),
        help: """
            Client sessions kept for exactly-once writes (ShardKV: per shard). Past it the session with the oldest \
            last write is evicted; that client's next write is refused with SESSION_EXPIRED, never applied twice.
            """)
    var maxSessions: Int = ReplicatedStateMachine.Configuration().maxSessions

    @Option(
        name: .customLong("heartbeat-interval-ms"),
        help: "Leader heartbeat interval in milliseconds (a multiple of 10).")
    var heartbeatIntervalMilliseconds: Int = 100

    @Option(
        name: .customLong("election-timeout-ms"),
        help: """
            Base election timeout in milliseconds (randomized in [T, 2T); a multiple of 10, above the heartbeat \
            interval).
            """)
    var electionTimeoutMilliseconds: Int = 300

    @Option(
        name: .customLong("lease-reads-max-clock-drift-percent"),
        help: """
            Serve linearizable reads from a leader lease instead of a heartbeat round per batch, assuming the \
            members' clocks run at rates at most this many percent apart (a paused process counts as drift). \
            Off unless given; every member must use the same value. See docs on lease reads.
            """)
    var leaseReadsMaxClockDriftPercent: Int?

    @OptionGroup var log: LogOptions

    @Option(
        name: .customLong("config"),
        help: """
            A TOML file of these options: keys are the long flag names without dashes (data-dir = "/var/lib/skv", \
            peer = ["1=…", "2=…"]); a flag given on the command line replaces the file's value.
            """)
    var configFile: String?

    /// The options checked together: the listen address and members parsed, this replica among
    /// them, the snapshot threshold and the timing usable.
    /// - Throws: ``SKVError`` with a one-line reason.
    func validated() throws(SKVError) -> (listen: Address, members: PeerList) {
        let listenAddress = try Address(parsing: listen)
        let members = try PeerList(parsing: peers)
        guard members.addresses[id] != nil else {
            throw SKVError("own id \(id) is not among the peers (\(members))")
        }
        if let drift = leaseReadsMaxClockDriftPercent, !(0...100).contains(drift) {
            throw SKVError("--lease-reads-max-clock-drift-percent must be in 0...100, got \(drift)")
        }
        guard (0...1_000).contains(snapshotLogRatio) else {
            throw SKVError("--snapshot-log-ratio must be in 0...1000 (percent), got \(snapshotLogRatio)")
        }
        guard maxRaftState == -1 || maxRaftState > 0 else {
            throw SKVError("--max-raft-state must be positive or -1, got \(maxRaftState)")
        }
        guard maxSessions >= 1 else {
            throw SKVError("--max-sessions must be at least 1, got \(maxSessions)")
        }
        let tick = Self.tickMilliseconds
        guard heartbeatIntervalMilliseconds >= tick, heartbeatIntervalMilliseconds % tick == 0,
            electionTimeoutMilliseconds % tick == 0, electionTimeoutMilliseconds > heartbeatIntervalMilliseconds
        else {
            throw SKVError(
                "--heartbeat-interval-ms (\(heartbeatIntervalMilliseconds)) and --election-timeout-ms "
                    + "(\(electionTimeoutMilliseconds)) must be multiples of \(tick) with the election timeout "
                    + "above the heartbeat interval")
        }
        return (listenAddress, members)
    }
}
