// ConnectionBench: the CPU cost of one unary gRPC call in our HTTP/2 protocol layer alone —
// a sans-I/O GRPCClientConnection and GRPCServerConnection joined in memory (no sockets, no
// event loop, no tasks), one thread. Each call: the client opens a stream, sends a request of
// `--bytes` bytes and half-closes; the server answers with metadata, the same bytes and an OK
// status. `--concurrency` calls are in flight at a time, and the bytes move in batches as a
// socket would carry them. Prints, per size and concurrency, the best and median nanoseconds per
// call over `--rounds` rounds. What it leaves out (the NIO handlers, the kernel, the tasks) is
// what `Scripts/bench-rpc.sh` and `Scripts/bench-kv-client.sh` measure; this one is steady
// enough on a noisy machine to compare two builds of the protocol layer by a few per cent.
//
// Usage: connection-bench [--calls N] [--rounds N] [--concurrency "1 16 64"] [--bytes "256 65536"]
import Foundation
import RPCCore
import RPCHTTP2

struct Options {
    var calls = 100_000
    var rounds = 5
    var concurrency = [1, 16, 64]
    var bytes = [256, 65_536]

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { Self.fail("\(flag) needs a value") }
            let numbers = value.split(separator: " ").map { Int($0) }
            guard !numbers.isEmpty, numbers.allSatisfy({ ($0 ?? 0) > 0 }) else {
                Self.fail("\(flag) takes positive integers, not '\(value)'")
            }
            let list = numbers.map { $0! }
            switch flag {
            case "--calls": calls = list[0]
            case "--rounds": rounds = list[0]
            case "--concurrency": concurrency = list
            case "--bytes": bytes = list
            default: Self.fail("unknown option \(flag)")
            }
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("connection-bench: \(message)\n".utf8))
        exit(64)
    }
}

/// One client and one server connection joined in memory, and the echo server's logic.
final class Pair {
    let client = GRPCClientConnection(configuration: .init(authority: "bench"))
    let server = GRPCServerConnection(configuration: .init())
    private var wire: [UInt8] = []
    private var clientEvents: [GRPCClientConnection.Event] = []
    private var serverEvents: [GRPCServerConnection.Event] = []
    private var requests: [Int32: [UInt8]] = [:]
    static let method = MethodDescriptor(service: "bench.Echo", method: "Call")

    /// Moves bytes both ways until neither side has output; answers each finished request.
    /// Returns the number of calls that ended (with OK; anything else stops the benchmark).
    func pump() throws -> Int {
        var completed = 0
        while true {
            wire.removeAll(keepingCapacity: true)
            try client.collectOutput { self.wire.append(contentsOf: $0) }
            let toServer = !wire.isEmpty
            if toServer { try wire.withUnsafeBytes { try server.receive($0) } }
            server.takeEvents(into: &serverEvents)
            for event in serverEvents {
                switch event {
                case .message(let id, let bytes): requests[id] = bytes
                case .requestEnded(let id):
                    server.send(.metadata([:]), on: id)
                    server.send(.message(requests.removeValue(forKey: id) ?? []), on: id)
                    server.send(.status(Status(code: .ok), [:]), on: id)
                case .streamFailed(_, let error): Options.fail("a stream failed: \(error)")
                default: break
                }
            }
            serverEvents.removeAll(keepingCapacity: true)
            wire.removeAll(keepingCapacity: true)
            try server.collectOutput { self.wire.append(contentsOf: $0) }
            let toClient = !wire.isEmpty
            if toClient { try wire.withUnsafeBytes { try client.receive($0) } }
            client.takeEvents(into: &clientEvents)
            for case .responsePart(_, .status(let status, _)) in clientEvents {
                guard status.code == .ok else { Options.fail("a call ended with \(status)") }
                completed += 1
            }
            clientEvents.removeAll(keepingCapacity: true)
            if !toServer && !toClient { return completed }
        }
    }

    func start(_ request: [UInt8]) {
        guard let id = client.openStream(descriptor: Self.method, metadata: [:], timeout: .seconds(10)) else {
            Options.fail("the connection refused a stream")
        }
        client.sendMessage(request, on: id)
        client.finishRequest(on: id)
    }
}

let options = Options(arguments: CommandLine.arguments)
print("connection-bench: \(options.calls) calls per round, \(options.rounds) rounds; ns per call (best / median)")
for bytes in options.bytes {
    let request = [UInt8](repeating: 0x5A, count: bytes)
    for concurrency in options.concurrency {
        let pair = Pair()
        _ = try pair.pump()  // prefaces and SETTINGS
        var perCall: [Double] = []
        for _ in 0..<options.rounds {
            let clock = ContinuousClock()
            var done = 0
            let elapsed = try clock.measure {
                while done < options.calls {
                    for _ in 0..<min(concurrency, options.calls - done) { pair.start(request) }
                    done += try pair.pump()
                }
            }
            let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            perCall.append(Double(nanoseconds) / Double(done))
        }
        perCall.sort()
        print(String(
            format: "bytes=%-6d concurrency=%-3d best=%8.0f median=%8.0f",
            bytes, concurrency, perCall[0], perCall[perCall.count / 2]))
    }
}
