import RPCCore
import RPCTestSupport
@testable import Simulation
import Testing

/// The labrpc self-tests (spec 6824-tests.md §3.4) and the rest of §3.2, ported to the
/// simulated network: real RPCClient calls through SimulatedClientEnds to an EchoService
/// router. Every test prints its network's seed. Tests whose property is how long a call
/// takes run in virtual time (``inVirtualTime``), where the bounds are exact; the few that
/// check real time (``RPCClient``'s own deadline and cancellation) bound it only loosely, as a
/// guard against a hang. Serialized all the same: those still wait in real time.
@Suite(.serialized) struct SimulatedNetworkTests {
    @Test func basicCallIsDelivered() async throws {
        let network = makeNetwork()
        network.addServer(name: "server", router: echoRouter())
        let end = makeConnectedEnd(network, "end", to: "server")
        let reply = try await RPCClient(transport: end).unary(
            request: ClientRequest(message: "hello", metadata: ["x-key": .string("v")]), descriptor: EchoService.get,
            serializer: StringCoder(), deserializer: StringCoder())
        #expect(reply.message == "hello")
        #expect(reply.metadata[stringValues: "initial"] == ["yes"])
        #expect(reply.trailingMetadata[stringValues: "x-key"] == ["v"])
        #expect(network.rpcCount(server: "server") == 1)
    }

    @Test func handlerErrorsAndUnknownMethodsPassThrough() async {
        let network = makeNetwork()
        network.addServer(name: "server", router: echoRouter())
        let end = makeConnectedEnd(network, "end", to: "server")
        #expect(await call(end, "why", method: EchoService.fail).code == .failedPrecondition)
        #expect(await call(end, "x", method: MethodDescriptor(service: "test.Echo", method: "Nope")).code == .unimplemented)
        #expect(network.rpcCount(server: "server") == 2)
    }

    /// labrpc Disconnect: a disabled end gets no reply, and the handler does not run.
    @Test func disabledOrUnconnectedEndFailsQuickly() async throws {
        try await inVirtualTime { network, scheduler in
            network.addServer(name: "server", router: echoRouter())
            let disabled = makeConnectedEnd(network, "disabled", to: "server", enabled: false)
            let unconnected = network.makeEnd(name: "unconnected")
            network.enable(end: "unconnected", true)
            for end in [disabled, unconnected] {
                let (result, elapsed) = await timed(on: scheduler.clock) { await call(end, "a") }
                #expect(result.code == .unavailable)
                // Without long delays each fails after 0 ... 99 ms (plus a few jobs' cost).
                #expect(elapsed < .milliseconds(100), "took \(elapsed)")
            }
            #expect(network.rpcCount(server: "server") == 0)
            network.enable(end: "disabled", true)
            #expect(await call(disabled, "c") == .success("c"))
        }
    }

    @Test func deletedServerFailsAndReAddedServerServes() async {
        let network = makeNetwork()
        network.addServer(name: "server", router: echoRouter())
        let end = makeConnectedEnd(network, "end", to: "server")
        network.deleteServer(name: "server")
        #expect(await call(end, "a").code == .unavailable)
        network.addServer(name: "server", router: echoRouter())
        #expect(await call(end, "b") == .success("b"))
    }

    /// labrpc ConcurrentMany: 20 clients × 10 calls, each on its own end.
    @Test func concurrentCallsOnManyEnds() async {
        let network = makeNetwork()
        network.addServer(name: "server", router: echoRouter())
        let ends = (0..<20).map { makeConnectedEnd(network, "end-\($0)", to: "server") }
        let successes = await withTaskGroup(of: Int.self) { group in
            for (index, end) in ends.enumerated() {
                group.addTask {
                    var ok = 0
                    for call_ in 0..<10 where await call(end, "\(index)-\(call_)") == .success("\(index)-\(call_)") {
                        ok += 1
                    }
                    return ok
                }
            }
            return await group.reduce(0, +)
        }
        #expect(successes == 200)
        #expect(network.rpcCount(server: "server") == 200)
        #expect(network.totalRPCs == 200)
    }

    /// labrpc ConcurrentOne: 20 concurrent calls on one end.
    @Test func concurrentCallsOnOneEnd() async {
        let network = makeNetwork()
        network.addServer(name: "server", router: echoRouter())
        let end = makeConnectedEnd(network, "end", to: "server")
        let successes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 { group.addTask { await call(end, "\(index)") == .success("\(index)") } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(successes == 20)
        #expect(network.rpcCount(server: "server") == 20)
    }

    /// labrpc Counts and Bytes, exact on a reliable network: RPCs are counted at send,
    /// request bytes at send, reply bytes at delivery, deliveries per server.
    @Test func countersAreExact() async {
        let network = makeNetwork()
        network.addServer(name: "server", router: echoRouter())
        let end = makeConnectedEnd(network, "end", to: "server")
        for _ in 0..<17 { #expect(await call(end, "hi") == .success("hi")) }
        #expect(network.rpcCount(server: "server") == 17)
        #expect(network.totalRPCs == 17)
        #expect(network.totalBytes == 17 * (2 + 2))

        network.enable(end: "end", false)
        for _ in 0..<3 { #expect(await call(end, "abc").code == .unavailable) }
        #expect(network.rpcCount(server: "server") == 17)
        #expect(network.totalRPCs == 20)
        #expect(network.totalBytes == 17 * 4 + 3 * 3)  // undelivered: request bytes only

        #expect(network.rpcCount(server: "nobody") == 0)
        network.addServer(name: "server", router: echoRouter())
        #expect(network.rpcCount(server: "server") == 0)  // a new instance counts from 0
    }

    /// labrpc Unreliable, bounded instead of timed: about 19 % of calls fail (10 % of
    /// requests lost, then 10 % of replies), and about 90 % of requests reach the handler.
    @Test func unreliableNetworkLosesAboutOneCallInFive() async {
        let network = makeNetwork()
        network.addServer(name: "server", router: echoRouter())
        network.setReliable(false)
        let end = makeConnectedEnd(network, "end", to: "server")
        let calls = 500
        let successes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<calls { group.addTask { await call(end, "\(index)") == .success("\(index)") } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        let failureRate = Double(calls - successes) / Double(calls)
        #expect((0.10...0.30).contains(failureRate), "failure rate \(failureRate)")
        let delivered = network.rpcCount(server: "server")
        #expect((400...490).contains(delivered), "delivered \(delivered)")
        #expect(network.totalRPCs == calls)
    }

    /// Replacing a server (a restart) suppresses replies of the old instance, even though
    /// its handler keeps running (and is not cancelled).
    @Test func replacingServerSuppressesOldReplies() async throws {
        try await inVirtualTime { network, scheduler in
            let gate = GateService()
            network.addServer(name: "server", router: echoRouter([gate]))
            let end = makeConnectedEnd(network, "end", to: "server")
            let pending = Task(executorPreference: scheduler) { await call(end, "old", method: GateService.wait) }
            _ = await gate.started.wait()
            let (result, elapsed) = await timed(on: scheduler.clock) {
                network.addServer(name: "server", router: echoRouter())
                return await pending.value
            }
            #expect(result.code == .unavailable)
            #expect(elapsed <= .milliseconds(101), "noticed at the next 100 ms check, took \(elapsed)")
            gate.open()
            try await gate.waitUntilFinished(1, clock: scheduler.clock)
            #expect(gate.finished == 1 && gate.sawCancellation == 0)
            #expect(await call(end, "new") == .success("new"))
            #expect(network.rpcCount(server: "server") == 1)
        }
    }

    /// The re-check after the handler returns: an end disabled while its handler ran gets no
    /// reply, even if the handler finishes before the next 100 ms check.
    @Test func endDisabledDuringHandlerGetsNoReply() async throws {
        let network = makeNetwork()
        let gate = GateService()
        network.addServer(name: "server", router: echoRouter([gate]))
        let end = makeConnectedEnd(network, "end", to: "server")
        async let pending = call(end, "x", method: GateService.wait)
        _ = await gate.started.wait()
        network.enable(end: "end", false)
        gate.open()
        #expect(await pending.code == .unavailable)
        try await gate.waitUntilFinished(1)
        #expect(gate.finished == 1)
    }

    /// labrpc Killed: a call blocked in a long handler fails soon after DeleteServer.
    @Test func deletingServerFailsBlockedCallSoon() async throws {
        try await inVirtualTime { network, scheduler in
            let gate = GateService()
            network.addServer(name: "server", router: echoRouter([gate]))
            let end = makeConnectedEnd(network, "end", to: "server")
            let pending = Task(executorPreference: scheduler) { await call(end, "x", method: GateService.wait) }
            _ = await gate.started.wait()
            let (result, elapsed) = await timed(on: scheduler.clock) {
                network.deleteServer(name: "server")
                return await pending.value
            }
            #expect(result.code == .unavailable)
            #expect(elapsed <= .milliseconds(101), "noticed at the next 100 ms check, took \(elapsed)")
            gate.open()
        }
    }

    /// labrpc Regression1: calls stuck on a disabled end (long delays) do not delay a call
    /// made after enabling it, and are never delivered.
    @Test func stuckCallsDoNotDelayLaterOnes() async throws {
        try await inVirtualTime { network, scheduler in
            network.addServer(name: "server", router: echoRouter())
            network.setLongDelays(true)
            let end = makeConnectedEnd(network, "end", to: "server", enabled: false)
            let stuck = (0..<5).map { index in
                Task(executorPreference: scheduler) { await call(end, "stuck-\(index)") }
            }
            try await scheduler.clock.sleep(for: .milliseconds(20))
            network.enable(end: "end", true)
            let (result, elapsed) = await timed(on: scheduler.clock) { await call(end, "later") }
            #expect(result == .success("later"))
            // Two transits of 100 us and a few jobs: nothing waits for the stuck calls.
            #expect(elapsed < .milliseconds(2), "took \(elapsed)")
            for task in stuck { task.cancel() }
            for task in stuck { #expect(await task.value.code != .ok) }
            #expect(network.rpcCount(server: "server") == 1)
        }
    }

    /// Long delays: a call on a disabled end fails within 7 s (0 ... 6999 ms).
    @Test func longDelaysOnDisabledEndAreBounded() async throws {
        try await inVirtualTime { network, scheduler in
            network.setLongDelays(true)
            let end = makeConnectedEnd(network, "end", to: "nobody", enabled: false)
            let clock = scheduler.clock
            let outcomes = await withTaskGroup(of: (Status.Code, Duration).self) { group in
                for index in 0..<3 {
                    group.addTask {
                        let (result, elapsed) = await timed(on: clock) { await call(end, "\(index)") }
                        return (result.code, elapsed)
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count == 3)
            for (code, elapsed) in outcomes {
                #expect(code == .unavailable)
                #expect(elapsed < .milliseconds(7000), "took \(elapsed)")
            }
        }
    }

    /// The delays the network chooses for undeliverable calls, read from a recording time
    /// source (no waiting): 0 ... 6999 ms with long delays, 0 ... 99 ms without.
    @Test func undeliverableDelaysFollowTheFlag() async {
        let clock = RecordingTimeSource()
        let network = makeNetwork(timeSource: clock)
        let end = makeConnectedEnd(network, "end", to: "nobody", enabled: false)
        for _ in 0..<50 { #expect(await call(end, "x").code == .unavailable) }
        network.setLongDelays(true)
        for _ in 0..<50 { #expect(await call(end, "x").code == .unavailable) }
        let delays = clock.recorded
        #expect(delays.count == 100)
        #expect(delays.prefix(50).allSatisfy { $0 <= .milliseconds(99) })
        #expect(delays.suffix(50).allSatisfy { $0 <= .milliseconds(6999) })
        #expect(delays.suffix(50).contains { $0 > .milliseconds(99) })
    }

    /// Long reordering: about 2/3 of replies arrive 200 ... 2199 ms late; all are delivered
    /// and their bytes counted on delivery.
    @Test func longReorderingDelaysMostReplies() async throws {
        try await inVirtualTime { network, scheduler in
            network.addServer(name: "server", router: echoRouter())
            network.setLongReordering(true)
            let end = makeConnectedEnd(network, "end", to: "server")
            let clock = scheduler.clock
            let elapsed = await withTaskGroup(of: Duration?.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        let (result, elapsed) = await timed(on: clock) { await call(end, "\(index)") }
                        return result == .success("\(index)") ? elapsed : nil
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(elapsed.count == 30 && elapsed.allSatisfy { $0 != nil })
            let late = elapsed.compactMap { $0 }.filter { $0 >= .milliseconds(200) }
            #expect((8...30).contains(late.count), "late replies: \(late.count) of 30")
            // 200 ... 2199 ms late, plus two transits and a few jobs.
            #expect(elapsed.compactMap { $0 }.allSatisfy { $0 < .milliseconds(2200 + 5) })
            #expect(network.totalBytes == (0..<30).map { 2 * "\($0)".utf8.count }.reduce(0, +))
        }
    }

    /// After cleanup every call fails fast: those in flight (waiting for a long delay or a
    /// blocked handler) and new ones.
    @Test func cleanupFailsCallsFast() async throws {
        try await inVirtualTime { network, scheduler in
            let gate = GateService()
            network.addServer(name: "server", router: echoRouter([gate]))
            network.setLongDelays(true)
            let blocked = makeConnectedEnd(network, "blocked", to: "server")
            let disabled = makeConnectedEnd(network, "disabled", to: "server", enabled: false)
            let inHandler = Task(executorPreference: scheduler) { await call(blocked, "x", method: GateService.wait) }
            let inDelay = Task(executorPreference: scheduler) { await call(disabled, "y") }
            _ = await gate.started.wait()
            let (results, elapsed) = await timed(on: scheduler.clock) {
                network.cleanup()
                return [await inHandler.value, await inDelay.value, await call(blocked, "z")]
            }
            #expect(results.map(\.code) == [.unavailable, .unavailable, .unavailable])
            // At once: neither the 100 ms liveness check nor the long delay is waited for.
            #expect(elapsed < .milliseconds(1), "took \(elapsed)")
            gate.open()
        }
    }

    /// The client's deadline works on every path: a blocked handler and a long delay. In real
    /// time ``RPCClient`` enforces it; the bounds only tell a hang (the gate opens after the
    /// calls) from an answer, whatever the machine's load. The exact bounds are checked in
    /// virtual time, where the end enforces the deadline (next test).
    @Test func deadlineIsHonoured() async {
        let network = makeNetwork()
        let gate = GateService()
        network.addServer(name: "server", router: echoRouter([gate]))
        network.setLongDelays(true)
        let end = makeConnectedEnd(network, "end", to: "server")
        let disabled = makeConnectedEnd(network, "disabled", to: "server", enabled: false)
        let (blocked, blockedElapsed) = await timed {
            await call(end, "x", method: GateService.wait, timeout: .milliseconds(100))
        }
        #expect(blocked.code == .deadlineExceeded)
        #expect(blockedElapsed < .seconds(10))
        let (delayed, delayedElapsed) = await timed { await call(disabled, "y", timeout: .milliseconds(100)) }
        // The undeliverable delay may, rarely, be shorter than the deadline.
        #expect([.deadlineExceeded, .unavailable].contains(delayed.code))
        #expect(delayedElapsed < .seconds(10))
        gate.open()
        try? await gate.waitUntilFinished(1)
        #expect(gate.sawCancellation == 0, "the handler is not cancelled")
    }

    /// The deadline in virtual time, enforced by the end: a call blocked in a handler and one
    /// waiting out a long delay both end 100 ms after they started, to the job.
    @Test func deadlineIsHonouredInVirtualTime() async throws {
        try await inVirtualTime { network, scheduler in
            let gate = GateService()
            network.addServer(name: "server", router: echoRouter([gate]))
            network.setLongDelays(true)
            let end = makeConnectedEnd(network, "end", to: "server")
            let disabled = makeConnectedEnd(network, "disabled", to: "server", enabled: false)
            let (blocked, blockedElapsed) = await timed(on: scheduler.clock) {
                await call(end, "x", method: GateService.wait, timeout: .milliseconds(100))
            }
            #expect(blocked.code == .deadlineExceeded)
            #expect(blockedElapsed >= .milliseconds(100) && blockedElapsed < .milliseconds(101), "\(blockedElapsed)")
            let (delayed, delayedElapsed) = await timed(on: scheduler.clock) {
                await call(disabled, "y", timeout: .milliseconds(100))
            }
            // The undeliverable delay may, rarely, be shorter than the deadline.
            #expect([.deadlineExceeded, .unavailable].contains(delayed.code))
            #expect(delayedElapsed < .milliseconds(101), "\(delayedElapsed)")
            gate.open()
            try await gate.waitUntilFinished(1, clock: scheduler.clock)
            #expect(gate.sawCancellation == 0, "the handler is not cancelled")
        }
    }

    @Test func cancellationIsHonoured() async {
        let network = makeNetwork()
        let gate = GateService()
        network.addServer(name: "server", router: echoRouter([gate]))
        let end = makeConnectedEnd(network, "end", to: "server")
        let task = Task { await timed { await call(end, "x", method: GateService.wait) } }
        _ = await gate.started.wait()
        task.cancel()
        let (result, elapsed) = await task.value
        #expect(result.code == .cancelled)
        #expect(elapsed < .seconds(10), "the gate opens only after: a hang, not a load spike")
        gate.open()
    }

    /// Streaming calls are store-and-forward: whole requests and whole responses.
    @Test func streamingCallsPassThrough() async throws {
        let network = makeNetwork()
        network.addServer(name: "server", router: echoRouter())
        let client = RPCClient(transport: makeConnectedEnd(network, "end", to: "server"))
        let collected = try await client.clientStreaming(
            request: StreamingClientRequest { writer in
                for word in ["a", "b", "c"] { try await writer.write(word) }
            },
            descriptor: EchoService.collect, serializer: StringCoder(), deserializer: StringCoder())
        #expect(collected.message == "a b c")
        let expanded = try await client.serverStreaming(
            request: ClientRequest(message: "one two"), descriptor: EchoService.expand,
            serializer: StringCoder(), deserializer: StringCoder()
        ) { response in
            var words: [String] = []
            for try await part in response.bodyParts {
                if case .message(let word) = part { words.append(word) }
            }
            return words
        }
        #expect(expanded == ["one", "two"])
        #expect(network.totalBytes == 3 + 5 + 7 + 6)
    }

    @Test func closedEndRefusesNewCalls() async {
        let network = makeNetwork()
        network.addServer(name: "server", router: echoRouter())
        let end = makeConnectedEnd(network, "end", to: "server")
        #expect(await call(end, "a") == .success("a"))
        await end.close()
        #expect(await call(end, "b").code == .unavailable)
        #expect(network.totalRPCs == 1)
    }
}
