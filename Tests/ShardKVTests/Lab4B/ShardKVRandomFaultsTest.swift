import LabHarness
import ShardController
import ShardKV
import Simulation

/// The seed sweep's own ShardKV test: shard moves under random faults the lab never combines.
enum ShardKVRandomFaultsTest {
    /// Three groups with snapshots (maxraftstate 1000) and three controllers; ten clerks append
    /// to their own keys while, for 12 s, a nemesis changes something every 100–1099 ms: a
    /// random group joins or leaves (one stays joined; the controllers are healed first), one
    /// server of a random group or of the controllers crashes or restarts (a power loss when
    /// disk crashes are on), a group is split in two or healed, the network turns unreliable or
    /// reliable. Then every server restarts
    /// and reconnects, the network is reliable, and every key must hold exactly its appender's
    /// appends, in order (each fault is counted in the run's fault summary).
    static func randomFaults() async throws {
        try await ShardKVLabCluster.with(unreliable: false, maxRaftState: 1000) { cfg in
            cfg.lab.begin("Test: random faults, joins and leaves, snapshots (sweep)")
            let ck = cfg.makeClerk()
            try await cfg.join(0)
            var joined: Set<Int> = [0]
            let keys = Lab4B.ShardKVTests.keys()
            let values = try await Lab4B.ShardKVTests.putKeys(cfg, ck, length: 5)
            let done = StopFlag()
            let tasks = Lab4B.ShardKVTests.startAppenders(cfg, keys, values, length: 5, pause: nil, done: done)
            let nemesisEnd = cfg.lab.now() + .seconds(12)
            while cfg.lab.now() < nemesisEnd {
                try await injectFault(cfg, joined: &joined)
                try await cfg.lab.sleep(for: .milliseconds(100 + cfg.lab.randomInt(1000)))
            }
            cfg.lab.setReliable(true)
            for group in cfg.allGroups {
                for i in group.all where await group.peer(i) == nil { try await group.startServer(i) }
                await group.connectAll()
            }
            done.raise()
            // Diagnostics for a run that does not converge (the virtual time limit ends it).
            _ = cfg.lab.spawn {
                while true {
                    try await cfg.lab.sleep(for: .seconds(60))
                    await cfg.printState()
                }
            }
            try await Lab4B.ShardKVTests.finishAppenders(cfg, ck, keys, tasks)
            try cfg.lab.end()
        }
    }

    /// One random fault (see ``randomFaults()``).
    private static func injectFault(_ cfg: ShardKVLabCluster, joined: inout Set<Int>) async throws {
        let lab = cfg.lab
        let groups = cfg.allGroups
        switch lab.randomInt(20) {
        case 0..<5:
            // The administrator's Join or Leave waits for the controllers: first bring every
            // controller up and reconnect them (a controller group without a quorum would make
            // the call retry forever).
            for i in cfg.ctrlers.all where await cfg.ctrlers.peer(i) == nil { try await cfg.ctrlers.startServer(i) }
            await cfg.ctrlers.connectAll()
            let gi = lab.randomInt(ShardKVLabCluster.gids.count)
            if !joined.contains(gi) {
                try await cfg.join(gi)
                joined.insert(gi)
                lab.countFault("join")
            } else if joined.count > 1 {
                try await cfg.leave(gi)
                joined.remove(gi)
                lab.countFault("leave")
            }
        case 5..<12:
            let group = groups[lab.randomInt(groups.count)]
            let i = lab.randomInt(group.count)
            if await group.peer(i) == nil {
                try await group.startServer(i)
                await group.connect(i, to: group.all)
            } else {
                await group.shutdownServer(i)
            }
        case 12..<16:
            let group = groups[lab.randomInt(groups.count)]
            var parts: [[Int]] = [[], []]
            for i in group.all { parts[lab.randomInt(2)].append(i) }
            await group.partition(parts[0], parts[1])
            lab.countFault("partition")
        case 16..<18:
            await groups[lab.randomInt(groups.count)].connectAll()
        default:
            let reliable = lab.randomInt(2) == 0
            lab.setReliable(reliable)
            if !reliable { lab.countFault("unreliable") }
        }
    }
}
