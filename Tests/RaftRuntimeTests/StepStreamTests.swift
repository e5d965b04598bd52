import Foundation
import Raft
import RPCCore
import RPCHTTP2NIO
import Synchronization
import Testing

@testable import RaftRuntime

/// `Step`s over one long-lived `StepStream` call per pair of members (``StepStream``,
/// `RaftPeer.Configuration.sendsOverStepStreams`): a cluster that can only talk over the
/// streams elects, replicates and fails over; a member that serves only unary `Step` still
/// gets its messages; answers pair with requests in order; a stalled stream is expired; a
/// server's graceful shutdown ends its streams at once.
@Suite("Step streams")
struct StepStreamTests {
    @Test(.timeLimit(.minutes(2)))
    func aClusterServingOnlyStreamsElectsReplicatesAndFailsOver() async throws {
        try await withTemporaryDirectory { root in
            // Unary `Step` is not served: every message must travel over a stream.
            let cluster = try await Self.startCluster(in: root, serving: .stream)
            let first = try #require(await cluster.leader(among: [0, 1, 2]))
            var last = try await cluster.propose(50, prefix: "a", at: first)
            for recorder in cluster.recorders { #expect(await recorder.waitFor(index: last)) }

            // The old leader's server drains and its streams end; the others open new ones.
            await cluster.stop(first)
            let others = [0, 1, 2].filter { $0 != first }
            let second = try #require(await cluster.leader(among: others))
            last = try await cluster.propose(20, prefix: "b", at: second)
            for i in others { #expect(await cluster.recorders[i].waitFor(index: last)) }
            await cluster.shutdown()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aMemberServingOnlyUnaryStepGetsUnarySteps() async throws {
        try await withTemporaryDirectory { root in
            let cluster = try await Self.startCluster(in: root, serving: .unary)
            let leader = try #require(await cluster.leader(among: [0, 1, 2]))
            let last = try await cluster.propose(20, prefix: "a", at: leader)
            for recorder in cluster.recorders { #expect(await recorder.waitFor(index: last)) }
            await cluster.shutdown()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func answersPairWithRequestsInOrder() async throws {
        let server = try await StreamTestServer(step: { request in StepResponse(messages: request.messages) })
        let events = EventLog()
        let stream = StepStream(client: server.client, executor: nil) { await events.append($0) }
        for index in UInt64(1)...3 {
            #expect(stream.send(StepRequest(messages: [Message(type: .heartbeat, from: 1, to: 2, index: index)])))
        }
        #expect(await eventually(within: .seconds(10)) { await events.count == 3 })
        #expect(await events.answeredIndices == [1, 2, 3])
        #expect(stream.unanswered == 0)
        stream.close()
        await server.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func aStalledStreamIsExpiredAndReplaced() async throws {
        // Steps started; a stream steps its requests one at a time, so a second one can only
        // start on a second call while the first sleeps.
        let calls = Mutex(0)
        let server = try await StreamTestServer(step: { _ in
            calls.withLock { $0 += 1 }
            try await Task.sleep(for: .seconds(60))
            return StepResponse(messages: [])
        })
        let events = EventLog()
        let stream = StepStream(client: server.client, executor: nil) { await events.append($0) }
        #expect(stream.send(StepRequest(messages: [Message(type: .heartbeat, from: 1, to: 2)])))
        #expect(await eventually(within: .seconds(10)) { calls.withLock { $0 } == 1 })
        #expect(stream.expire(olderThan: .seconds(30)) == 0, "not stalled yet")
        try await Task.sleep(for: .milliseconds(100))
        #expect(stream.expire(olderThan: .milliseconds(50)) == 1)
        #expect(stream.unanswered == 0)
        // The next request opens a new call; the expired call reports nothing (its request
        // was already counted as failed by `expire`).
        #expect(stream.send(StepRequest(messages: [Message(type: .heartbeat, from: 1, to: 2)])))
        #expect(await eventually(within: .seconds(10)) { calls.withLock { $0 } == 2 })
        try await Task.sleep(for: .milliseconds(200))
        #expect(await events.count == 0)
        stream.close()
        await server.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func aGracefulShutdownEndsTheServersStreamsAtOnce() async throws {
        let server = try await StreamTestServer(step: { request in StepResponse(messages: request.messages) })
        let events = EventLog()
        let stream = StepStream(client: server.client, executor: nil) { await events.append($0) }
        #expect(stream.send(StepRequest(messages: [Message(type: .heartbeat, from: 1, to: 2, index: 7)])))
        #expect(await eventually(within: .seconds(10)) { await events.count == 1 })
        // The client keeps its stream open; the drain must not wait for it.
        let start = ContinuousClock.now
        server.server.beginGracefulShutdown()
        await server.serving.value
        // A drain that waited for the open stream would not end before the time limit.
        #expect(ContinuousClock.now - start < .seconds(10), "the server drained in \(ContinuousClock.now - start)")
        // Nothing was unanswered when the stream ended: nothing is reported failed.
        try await Task.sleep(for: .milliseconds(100))
        #expect(await events.count == 1)
        stream.close()
        await server.client.client.transport.close()
    }
}

extension StepStreamTests {
    /// Three started peers in `root` that send over step streams, whose servers serve only
    /// `method` of the two ways of stepping a peer.
    fileprivate static func startCluster(in root: String, serving method: OneStepMethod.Method) async throws
        -> HTTP2RaftCluster
    {
        var configuration = InProcessRaftCluster.fastConfiguration
        configuration.sendsOverStepStreams = true
        let cluster = try await HTTP2RaftCluster(
            directories: (1...3).map { "\(root)/peer\($0)" }, configuration: configuration,
            serve: { OneStepMethod(service: $0, method: method) })
        await cluster.start()
        return cluster
    }
}

/// Serves one of the two ways of stepping a peer: the other is `UNIMPLEMENTED`.
private struct OneStepMethod: RegistrableRPCService {
    enum Method { case unary, stream }
    let service: DeferredRaftService
    let method: Method

    func registerMethods(with router: inout RPCRouter) {
        switch method {
        case .unary: service.registerStep(with: &router)
        case .stream: service.registerStepStream(with: &router)
        }
    }
}

/// A `skv.raft.Raft` server on loopback whose `Step` is `step`, and a client of it.
private struct StreamTestServer {
    private struct Service: RaftServiceProtocol {
        let body: @Sendable (StepRequest) async throws -> StepResponse

        func step(_ request: StepRequest) async throws -> StepResponse { try await body(request) }
    }

    let server: RPCServer
    let serving: Task<Void, Never>
    let client: RaftPeerClient

    init(step: @escaping @Sendable (StepRequest) async throws -> StepResponse) async throws {
        let transport = HTTP2ServerTransport(host: "127.0.0.1", port: 0)
        let server = RPCServer(transport: transport, services: [Service(body: step)])
        self.server = server
        serving = Task { try? await server.serve() }
        let port = try await transport.listeningPort()
        client = RaftPeerClient(wrapping: RPCClient(transport: HTTP2ClientTransport(host: "127.0.0.1", port: port)))
    }

    func stop() async {
        server.beginGracefulShutdown()
        await serving.value
        await client.client.transport.close()
    }
}

/// What a ``StepStream`` reported, in order.
private actor EventLog {
    private var events: [StepStream.Event] = []

    func append(_ event: StepStream.Event) { events.append(event) }

    var count: Int { events.count }

    var answeredIndices: [UInt64] {
        events.compactMap { event in
            if case .answered(let response) = event { response.messages.first?.index } else { nil }
        }
    }
}
