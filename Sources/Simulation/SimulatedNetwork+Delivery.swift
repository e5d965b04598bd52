import RPCCore
import Synchronization

/// What the network did with one call.
enum CallOutcome: Sendable {
    /// The handler ran and its response parts (ending with a status) reach the client.
    case delivered([RPCResponsePart])
    /// No reply: the client sees `UNAVAILABLE` with `reason` as the message.
    case failed(reason: String)
}

extension SimulatedNetwork {
    /// Where a deliverable call goes: the server instance the end reached at send time.
    struct Route: Sendable {
        var serverName: String
        var serverID: UInt64
        var router: RPCRouter
    }

    /// labrpc's `processReq` for one complete request (spec §3.2), called once per call by
    /// the client end after the client half-closed. Returns when the reply is delivered or
    /// the call has failed; returns `.failed` promptly if the calling task is cancelled (the
    /// client gave up) or the network is cleaned up. Never throws and never cancels a
    /// handler.
    func deliver(
        endName: String,
        descriptor: MethodDescriptor,
        request: [RPCRequestPart],
        deadline: ContinuousClock.Instant?
    ) async -> CallOutcome {
        let requestBytes = request.reduce(0) { sum, part in
            if case .message(let bytes) = part { return sum + bytes.count }
            return sum
        }
        // 1. Send: count the RPC and its bytes, whether or not it is ever delivered, and read
        // the end's route and the network's flags once, as labrpc's readEndnameInfo does.
        let (route, reliable, longReordering, refusal) = state.withLock { state in
            state.totalRPCs += 1
            state.totalBytes += requestBytes
            var route: Route?
            if state.enabled[endName] == true, let serverName = state.connections[endName],
                let server = state.servers[serverName]
            {
                route = Route(serverName: serverName, serverID: server.id, router: server.router)
            }
            let refusal: Duration? =
                route == nil
                ? LabRPCPolicy.undeliverableDelay(longDelays: state.longDelays, using: &state.random) : nil
            return (route, state.reliable, state.longReordering, refusal)
        }

        // 3. Undeliverable (disabled, unconnected, no server): fail after a random delay.
        guard let route else {
            _ = await pause(for: refusal ?? .zero)
            return .failed(reason: "The simulated network could not deliver the request on end \(endName).")
        }

        // 2. Deliverable. In virtual time the request takes its transit time first.
        let transitTime = timeSource.transitTime
        if transitTime > .zero {
            guard await pause(for: transitTime) else { return interrupted() }
        }
        if !reliable {
            let delay = state.withLock { LabRPCPolicy.unreliableDelay(using: &$0.random) }
            guard await pause(for: delay) else { return interrupted() }
            if state.withLock({ LabRPCPolicy.losesRequest(using: &$0.random) }) {
                return .failed(reason: "The simulated network lost the request.")
            }
        }

        let completion = dispatch(endName: endName, descriptor: descriptor, request: request, deadline: deadline, route: route)

        // Wait for the handler, but stop waiting (and fail) once the end is disabled or the
        // server deleted or replaced; the handler keeps running and its reply is discarded.
        var reply: [RPCResponsePart]?
        while reply == nil {
            switch await wait(for: completion, upTo: LabRPCPolicy.livenessCheckInterval) {
            case .value(let parts):
                reply = parts
            case .interrupted:
                return interrupted()
            case .timedOut:
                if isServerDead(endName: endName, route: route) {
                    return .failed(reason: "The simulated server \(route.serverName) is unreachable or was replaced.")
                }
            }
        }
        // Re-check after the handler returned: a killed server must not acknowledge what it
        // persisted into a superseded persister.
        if isServerDead(endName: endName, route: route) {
            return .failed(reason: "The simulated server \(route.serverName) is unreachable or was replaced.")
        }
        guard let reply else { preconditionFailure("the loop exits only with a reply") }
        let replyBytes = reply.reduce(0) { sum, part in
            if case .message(let bytes) = part { return sum + bytes.count }
            return sum
        }

        let (losesReply, reorderingDelay) = state.withLock { state -> (Bool, Duration?) in
            if !reliable && LabRPCPolicy.losesReply(using: &state.random) { return (true, nil) }
            if longReordering, let delay = LabRPCPolicy.reorderingDelay(using: &state.random) {
                return (false, delay)
            }
            // Delivered now: count the reply bytes at delivery.
            state.totalBytes += replyBytes
            return (false, nil)
        }
        if losesReply {
            return .failed(reason: "The simulated network lost the reply.")
        }
        if let reorderingDelay {
            guard await pause(for: reorderingDelay) else { return interrupted() }
            state.withLock { $0.totalBytes += replyBytes }
        }
        if transitTime > .zero {
            guard await pause(for: transitTime) else { return interrupted() }
        }
        return .delivered(reply)
    }

    /// Runs the server's handler for one request on its own task (labrpc's handler
    /// goroutine) and returns what it will reply. The task is deliberately unstructured:
    /// it is never cancelled, and outlives the call if the call is abandoned.
    private func dispatch(
        endName: String,
        descriptor: MethodDescriptor,
        request: [RPCRequestPart],
        deadline: ContinuousClock.Instant?,
        route: Route
    ) -> OneShot<[RPCResponsePart]> {
        state.withLock { state in
            // The count belongs to the instance; a replaced instance's count is gone anyway.
            if state.servers[route.serverName]?.id == route.serverID {
                state.servers[route.serverName]?.deliveredRPCs += 1
            }
        }
        let completion = OneShot<[RPCResponsePart]>()
        let collector = ResponseCollector()
        let stream = ServerStream(
            descriptor: descriptor, inbound: .elements(request), outbound: collector.writer)
        let context = ServerContext(descriptor: descriptor, deadline: deadline, remotePeer: "simulated:\(endName)")
        let router = route.router
        // Unstructured tasks do not inherit a task executor preference: name it.
        Task(executorPreference: timeSource.taskExecutor) {
            await router.handle(stream: stream, context: context)
            completion.fulfil(collector.finishedParts())
        }
        return completion
    }

    /// labrpc's `isServerDead`: the end was disabled or the server deleted or replaced.
    private func isServerDead(endName: String, route: Route) -> Bool {
        state.withLock { state in
            state.isCleanedUp || state.enabled[endName] != true
                || state.servers[route.serverName]?.id != route.serverID
        }
    }

    private func interrupted() -> CallOutcome {
        .failed(reason: Task.isCancelled ? "The call was cancelled." : "The simulated network was cleaned up.")
    }

    /// Sleeps `duration`; `false` if the task was cancelled or the network cleaned up first.
    func pause(for duration: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [timeSource] in
                do {
                    try await timeSource.sleep(for: duration)
                    return true
                } catch {
                    return false
                }
            }
            group.addTask { [cleanedUp] in
                _ = await cleanedUp.wait()
                return false
            }
            let slept = await group.next() ?? false
            group.cancelAll()
            return slept && !Task.isCancelled && cleanedUp.value == nil
        }
    }

    enum WaitResult<Value: Sendable>: Sendable {
        case value(Value)
        case timedOut
        /// The task was cancelled or the network cleaned up.
        case interrupted
    }

    /// Waits for `oneShot` at most `interval`.
    func wait<Value: Sendable>(for oneShot: OneShot<Value>, upTo interval: Duration) async -> WaitResult<Value> {
        if let value = oneShot.value { return .value(value) }
        return await withTaskGroup(of: WaitResult<Value>.self) { group in
            group.addTask {
                if let value = await oneShot.wait() { return .value(value) }
                return .interrupted
            }
            group.addTask { [timeSource] in
                do {
                    try await timeSource.sleep(for: interval)
                    return .timedOut
                } catch {
                    return .interrupted
                }
            }
            group.addTask { [cleanedUp] in
                _ = await cleanedUp.wait()
                return .interrupted
            }
            let first = await group.next() ?? .interrupted
            group.cancelAll()
            if Task.isCancelled || cleanedUp.value != nil { return .interrupted }
            if case .interrupted = first, let value = oneShot.value { return .value(value) }
            return first
        }
    }
}
