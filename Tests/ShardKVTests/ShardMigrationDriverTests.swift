import Logging
import RPCCore
import RPCProtobuf
import RSM
import ShardController
import Synchronization
import Testing

@testable import ShardKV

/// The migration driver against a scripted controller and scripted replicas of other groups,
/// stepped round by round on a one-server group: it installs exactly the next configuration
/// (stale, future or missing answers install nothing), refuses an inconsistent one without
/// stalling, passes over a lagging replica that answers NOT_READY, a duplicate pull answer
/// changes nothing, and ``ShardMigrationDriver/stop()`` ends it.
@Suite(.timeLimit(.minutes(1))) struct ShardMigrationDriverTests {
    /// Starts the rig of group `gid` (network name "g\(gid)") and waits until it leads.
    static func startRig(_ fixture: ShardKVFixture, gid: UInt64) async throws -> DriverRig {
        let controller = fixture.controller
        let rig = try await fixture.startServer(name: "g\(gid)") { context in
            try DriverRig(gid: gid, context: context, controller: controller)
        }
        try await rig.waitForLeadership()
        return rig
    }

    static let everyShard = Array(0..<ShardConfig.shardCount)

    @Test func onlyTheAskedForConfigurationIsInstalled() async throws {
        let fixture = ShardKVFixture()
        let controller = fixture.controller
        let rig = try await Self.startRig(fixture, gid: 1)
        let driver = rig.makeDriver()
        let one = await controller.add(allShardsTo: 1, groups: [1: ["g1"]])
        #expect(await driver.round())
        #expect(await rig.configNum == 1)
        let applied = await rig.machine.status().appliedIndex
        // Asked for #2 while the controller has no #2: the latest (#1) comes back; nothing happens.
        #expect(await !driver.round())
        await controller.add(allShardsTo: 1, groups: [1: ["g1"]])
        // Stale and future answers, and no answer, install nothing.
        await controller.substitute(one, whenAskedFor: 2)
        #expect(await !driver.round())
        await controller.substitute(ShardConfig(num: 3, shards: Array(repeating: 1, count: 10), groups: [1: ["g1"]]),
                                    whenAskedFor: 2)
        #expect(await !driver.round())
        await controller.substitute(nil, whenAskedFor: 2)
        await controller.setUnreachable(true)
        #expect(await !driver.round())
        #expect(await rig.configNum == 1)
        // Not even proposed.
        #expect(await rig.machine.status().appliedIndex == applied)
        await controller.setUnreachable(false)
        #expect(await driver.round())
        #expect(await rig.configNum == 2)
        #expect(await controller.queries == [1, 2, 2, 2, 2, 2])
        await fixture.shutdown()
    }

    @Test func aDriverWhoseReplicaDoesNotLeadDoesNothing() async throws {
        let fixture = ShardKVFixture()
        let rig = try await Self.startRig(fixture, gid: 1)
        await fixture.controller.add(allShardsTo: 1, groups: [1: ["g1"]])
        #expect(await !rig.makeDriver(leading: false).round())
        #expect(await fixture.controller.queries.isEmpty)
        #expect(await rig.configNum == 0)
        await fixture.shutdown()
    }

    @Test func anInconsistentConfigurationIsRefusedLoggedOnceAndRetried() async throws {
        let fixture = ShardKVFixture()
        let controller = fixture.controller
        let rig = try await Self.startRig(fixture, gid: 1)
        let recorder = LogRecorder()
        let driver = rig.makeDriver(logger: recorder.logger)
        await controller.add(allShardsTo: 1, groups: [1: ["g1"]])
        #expect(await driver.round())
        // #2 gives shard 9 to gid 5, which it does not list.
        let bad = await controller.add(shards: [1, 1, 1, 1, 1, 1, 1, 1, 1, 5], groups: [1: ["g1"]])
        for _ in 0..<3 { #expect(await !driver.round()) }
        #expect(await rig.configNum == 1)
        #expect(await controller.queryCount(for: 2) == 3)
        let errors = recorder.entries(at: .error)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("inconsistent") == true)
        #expect(errors.first?.metadata["problem"]?.description.contains("gid 5") == true)
        // The group keeps serving meanwhile.
        let put = ShardKVOperation(kind: .put, key: key(inShard: 9).bytes, value: "v".bytes)
        #expect(try await rig.submit(.clientOperation(put)).outcome == .ok)
        // Listing gid 5 without servers is refused as well.
        await controller.replace(ShardConfig(num: 2, shards: bad.shards, groups: [1: ["g1"], 5: []]))
        #expect(await !driver.round())
        #expect(await rig.configNum == 1)
        // Once the controller's #2 is consistent, it is installed.
        await controller.replace(ShardConfig(num: 2, shards: bad.shards, groups: [1: ["g1"], 5: ["g5"]]))
        #expect(await driver.round())
        #expect(await rig.configNum == 2)
        #expect(await rig.state { $0.status(ofShard: 9) } == .bePulled)
        await fixture.shutdown()
    }

    @Test func aRefusedConfigurationDoesNotStallTheServer() async throws {
        let fixture = ShardKVFixture()
        let controller = fixture.controller
        let server = try await fixture.startGroupOneWithEveryShard()
        // The clerk reads #1 now (and has no reason to read the controller again).
        let clerk = fixture.clerk()
        _ = try await clerk.get(key(inShard: 9))
        await controller.add(shards: [1, 1, 1, 1, 1, 1, 1, 1, 1, 5], groups: [1: ["s1"]])
        // The driver keeps asking for #2 and the group keeps serving every shard it has.
        for i in 0..<5 {
            try await clerk.append(key(inShard: 9), "\(i)")
            try await clerk.append(key(inShard: 0), "\(i)")
        }
        try await waitUntil("the driver to keep polling") { await controller.queryCount(for: 2) >= 5 }
        #expect(try await clerk.get(key(inShard: 9)) == "01234")
        #expect(await server.configNum == 1)
        // Fixed, then followed by #3: installed in order.
        await controller.replace(ShardConfig(num: 2, shards: Array(repeating: 1, count: 10), groups: [1: ["s1"]]))
        await controller.add(allShardsTo: 1, groups: [1: ["s1"]])
        try await server.waitForConfig(3)
        #expect(try await clerk.get(key(inShard: 0)) == "01234")
        await fixture.shutdown()
    }

    /// Configurations #1 (every shard on gid 1, served by `holders`) and #2 (shards 0–4 move
    /// to gid 2), installed by the rig of gid 2 through `driver`.
    static func moveFirstHalf(
        to rig: DriverRig, from holders: [String], controller: ScriptedConfigSource, driver: ShardMigrationDriver
    ) async throws {
        await controller.add(allShardsTo: 1, groups: [1: holders])
        #expect(await driver.round())
        await controller.add(shards: [2, 2, 2, 2, 2, 1, 1, 1, 1, 1], groups: [1: holders, 2: ["g2"]])
        #expect(await driver.round())
        #expect(await rig.state { $0.pullTasks.map(\.shards) } == [[0, 1, 2, 3, 4]])
    }

    /// Gid 1's frozen data for `shards`: one key each, and a session record of client 9.
    static func frozenData(_ shards: [Int]) throws -> [ShardData] {
        let reply = try ProtobufSerializer<ShardKVCommandResult>().serialize(ShardKVCommandResult(outcome: .ok))
        return shards.map { shard in
            ShardData(
                shard: shard, pairs: [ShardData.Pair(key: key(inShard: shard).bytes, value: "v\(shard)".bytes)],
                sessions: [SessionRecord(clientID: 9, sequence: 1, reply: reply, lastIndex: 1)])
        }
    }

    @Test func aLaggingReplicaAnsweringNotReadyIsPassedOver() async throws {
        let fixture = ShardKVFixture()
        let data = try Self.frozenData([0, 1, 2, 3, 4])
        let lagging = ScriptedMigrationPeer { _, _ in PullShardsReply(outcome: .notReady, configNum: 1) }
        let current = ScriptedMigrationPeer { request, _ in
            PullShardsReply(outcome: .ok, shards: data.filter { request.shards.contains($0.shard) }, configNum: 2)
        }
        fixture.addServer(name: "lagging", lagging)
        fixture.addServer(name: "current", current)
        let rig = try await Self.startRig(fixture, gid: 2)
        let driver = rig.makeDriver()
        try await Self.moveFirstHalf(
            to: rig, from: ["lagging", "current"], controller: fixture.controller, driver: driver)

        // One round: the lagging replica answers NOT_READY, the next one the data.
        #expect(await driver.round())
        #expect(lagging.pullRequests == [PullShardsRequest(configNum: 2, shards: [0, 1, 2, 3, 4])])
        #expect(current.pullRequests == [PullShardsRequest(configNum: 2, shards: [0, 1, 2, 3, 4])])
        #expect(await rig.state { machine in (0..<5).map { machine.status(ofShard: $0) } }
            == Array(repeating: .gcPending, count: 5))
        #expect(await rig.state { $0.storedValue(forKey: key(inShard: 3).bytes) } == "v3".bytes)
        // The moved session record answers client 9's retried write without applying it.
        let retried = ShardKVOperation(
            kind: .append, key: key(inShard: 3).bytes, value: "again".bytes,
            session: ClientSession(clientID: 9, sequence: 1))
        #expect(try await rig.submit(.clientOperation(retried)).outcome == .ok)
        #expect(await rig.state { $0.storedValue(forKey: key(inShard: 3).bytes) } == "v3".bytes)

        // Next round: the replica that answered is asked to delete; then the shards are served.
        #expect(await driver.round())
        #expect(current.deleteRequests == [DeleteShardsRequest(configNum: 2, shards: [0, 1, 2, 3, 4])])
        #expect(lagging.deleteRequests.isEmpty)
        #expect(await rig.state { machine in (0..<5).map { machine.status(ofShard: $0) } }
            == Array(repeating: .serving, count: 5))
        #expect(await !driver.round())
        await fixture.shutdown()
    }

    @Test func aPullAnswerWithOtherShardsIsNotInserted() async throws {
        let fixture = ShardKVFixture()
        let data = try Self.frozenData([0, 1, 2, 3, 4])
        // Answers one shard fewer than asked for.
        let holder = ScriptedMigrationPeer { _, _ in
            PullShardsReply(outcome: .ok, shards: Array(data.dropLast()), configNum: 2)
        }
        fixture.addServer(name: "holder", holder)
        let rig = try await Self.startRig(fixture, gid: 2)
        let driver = rig.makeDriver()
        try await Self.moveFirstHalf(to: rig, from: ["holder"], controller: fixture.controller, driver: driver)
        #expect(await !driver.round())
        #expect(await !driver.round())
        #expect(holder.pullRequests.count == 2)
        #expect(await rig.state { machine in (0..<5).map { machine.status(ofShard: $0) } }
            == Array(repeating: .pulling, count: 5))
        await fixture.shutdown()
    }

    @Test func aDuplicatePullAnswerChangesNothing() async throws {
        let fixture = ShardKVFixture()
        let data = try Self.frozenData([0, 1, 2, 3, 4])
        let bothAsked = Latch()
        let secondMayAnswer = Latch()
        // Two drivers of the group (say, an old and a new leader's) pull the same shards: the
        // first answer waits until both asked, the second until the test lets it go.
        let holder = ScriptedMigrationPeer { _, arrival in
            if arrival >= 2 {
                bothAsked.open()
                try? await waitUntil("the test to release the second answer", within: .seconds(5)) {
                    secondMayAnswer.isOpen
                }
            } else {
                try? await waitUntil("the second pull", within: .seconds(5)) { bothAsked.isOpen }
            }
            return PullShardsReply(outcome: .ok, shards: data, configNum: 2)
        }
        fixture.addServer(name: "holder", holder)
        let rig = try await Self.startRig(fixture, gid: 2)
        let first = rig.makeDriver()
        let second = rig.makeDriver()
        try await Self.moveFirstHalf(to: rig, from: ["holder"], controller: fixture.controller, driver: first)

        async let firstRound = first.round()
        async let secondRound = second.round()
        try await waitUntil("the first answer to be inserted") {
            await rig.state { $0.status(ofShard: 0) } == .gcPending
        }
        // A client write lands on the inserted shard before the duplicate answer arrives.
        let opening = ShardKVOperation(
            kind: .openSession, key: key(inShard: 0).bytes,
            session: ClientSession(clientID: 3, sequence: SessionTable.openingSequence))
        #expect(try await rig.submit(.clientOperation(opening)).outcome == .ok)
        let append = ShardKVOperation(
            kind: .append, key: key(inShard: 0).bytes, value: "+w".bytes,
            session: ClientSession(clientID: 3, sequence: 1))
        #expect(try await rig.submit(.clientOperation(append)).outcome == .ok)
        secondMayAnswer.open()
        let progressed = await [firstRound, secondRound]
        #expect(progressed.contains(true))
        #expect(holder.pullRequests.count == 2)
        // The second InsertShards (same configuration, shards no longer pulling) did nothing.
        #expect(await rig.state { $0.storedValue(forKey: key(inShard: 0).bytes) } == "v0+w".bytes)
        #expect(await rig.state { machine in (0..<5).map { machine.status(ofShard: $0) } }
            == Array(repeating: .gcPending, count: 5))
        #expect(await rig.state { $0.pullTasks }.isEmpty)
        await fixture.shutdown()
    }

    @Test func stopEndsTheDriver() async throws {
        let fixture = ShardKVFixture()
        let controller = fixture.controller
        let rig = try await Self.startRig(fixture, gid: 1)
        let driver = rig.makeDriver()
        await controller.add(allShardsTo: 1, groups: [1: ["g1"]])
        await driver.start()
        try await waitUntil("the driver to install #1") { await rig.configNum == 1 }
        await driver.stop()
        let queries = await controller.queries.count
        let applied = await rig.machine.status().appliedIndex
        await controller.add(allShardsTo: 1, groups: [1: ["g1"]])
        // Twenty poll intervals: a running driver would ask for #2 and install it.
        try await Task.sleep(for: DriverRig.timing.pollInterval * 20)
        #expect(await controller.queries.count == queries)
        #expect(await rig.machine.status().appliedIndex == applied)
        #expect(await rig.configNum == 1)
        // The replica itself still runs.
        let put = ShardKVOperation(kind: .put, key: key(inShard: 1).bytes, value: "v".bytes)
        #expect(try await rig.submit(.clientOperation(put)).outcome == .ok)
        await driver.stop()
        await fixture.shutdown()
    }

    @Test func stopEndsTheDriverInTheMiddleOfAPull() async throws {
        let fixture = ShardKVFixture()
        let asked = Latch()
        // A holder that takes its time (longer than the test waits for stop()).
        let holder = ScriptedMigrationPeer { _, _ in
            asked.open()
            try? await Task.sleep(for: .seconds(10))
            return PullShardsReply(outcome: .notReady, configNum: 2)
        }
        fixture.addServer(name: "holder", holder)
        let rig = try await Self.startRig(fixture, gid: 2)
        let driver = rig.makeDriver()
        try await Self.moveFirstHalf(to: rig, from: ["holder"], controller: fixture.controller, driver: driver)
        await driver.start()
        try await waitUntil("the driver to pull") { asked.isOpen }
        let start = ContinuousClock.now
        await driver.stop()
        let elapsed = ContinuousClock.now - start
        // Below the 5-s RPC timeout a stop() that waited for the pull would take (the 10-s
        // handler), with room for a busy machine.
        #expect(elapsed < .milliseconds(3_500), "stop() took \(elapsed)")
        #expect(holder.pullRequests.count == 1)
        await fixture.shutdown()
    }

    @Test func stoppingTheServerEndsItsDriver() async throws {
        let fixture = ShardKVFixture()
        let controller = fixture.controller
        let server = try await fixture.startGroupOneWithEveryShard()
        await server.stop()
        let queries = await controller.queries.count
        await controller.add(allShardsTo: 1, groups: [1: ["s1"]])
        try await Task.sleep(for: ShardKVFixture.serverConfiguration.pollInterval * 10)
        #expect(await controller.queries.count == queries)
        #expect(await server.configNum == 1)
        await fixture.shutdown()
    }
}
