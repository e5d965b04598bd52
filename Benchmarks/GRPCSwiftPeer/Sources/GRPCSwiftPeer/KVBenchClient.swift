// grpc-swift-peer client: grpc-swift-2's own client (GRPCClient over
// HTTP2ClientTransport.Posix) as a load generator, for Scripts/bench-kv-client.sh: what the
// Swift ecosystem's gRPC client costs per call beside `skv kv bench` and h2load, against the same
// server with the same prepared request.
//
// Sends one prepared request body (an h2load `-d` body: one uncompressed gRPC message, whose
// 5-byte prefix is taken off) to one method from N concurrent tasks for a duration, over one
// client (grpc-swift multiplexes its calls on one HTTP/2 connection per server address). Every
// reply must be an OK status with a message equal byte for byte to the first reply, which is
// written to --first-reply for the caller to decode and check. Prints, as `skv kv bench` does:
//
//   summary: ops=N failed=N ops/s=X p50=Xms p99=Xms client-cpu/op=Xus linearizable: not checked ...
//
// ending in "FAILED CALLS" instead, and exiting 1, if any call failed or differed.
// The CPU time is the whole process's (user + system) over the timed run.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

struct KVBenchClientOptions {
  var host = "127.0.0.1"
  var port = 0
  var path = ""
  var body = ""
  var clients = 16
  var duration = 5.0
  var firstReply: String?

  static let helpText = """
    usage: grpc-swift-peer client --target HOST:PORT --path /package.Service/Method --body FILE
             [--clients 16] [--duration 5] [--first-reply FILE]
    """

  static func parse(_ arguments: ArraySlice<String>) -> KVBenchClientOptions {
    var options = KVBenchClientOptions()
    var iterator = arguments.makeIterator()
    func value(for flag: String) -> String {
      guard let v = iterator.next() else { usage("missing value for \(flag)") }
      return v
    }
    while let arg = iterator.next() {
      switch arg {
      case "--target":
        let raw = value(for: arg)
        guard let colon = raw.lastIndex(of: ":"), let port = Int(raw[raw.index(after: colon)...]),
          (1...65535).contains(port)
        else { usage("invalid target \(raw) (HOST:PORT)") }
        options.host = String(raw[..<colon])
        options.port = port
      case "--path":
        options.path = value(for: arg)
      case "--body":
        options.body = value(for: arg)
      case "--clients":
        let raw = value(for: arg)
        guard let clients = Int(raw), (1...10_000).contains(clients) else { usage("invalid clients \(raw)") }
        options.clients = clients
      case "--duration":
        let raw = value(for: arg)
        guard let duration = Double(raw), duration > 0, duration <= 3_600 else { usage("invalid duration \(raw)") }
        options.duration = duration
      case "--first-reply":
        options.firstReply = value(for: arg)
      case "-h", "--help":
        print(helpText)
        exit(0)
      default:
        usage("unknown argument \(arg)")
      }
    }
    guard options.port != 0 else { usage("--target is required") }
    guard options.body != "" else { usage("--body is required") }
    return options
  }

  static func usage(_ message: String) -> Never {
    FileHandle.standardError.write(Data("grpc-swift-peer client: \(message)\n\(helpText)\n".utf8))
    exit(2)
  }
}

/// Bytes in, bytes out: the prepared request is sent as it is, the reply kept as it came.
struct RawBytesCoder: MessageSerializer, MessageDeserializer {
  func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
    Bytes(message)
  }

  func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
    serializedMessageBytes.withUnsafeBytes { Array($0) }
  }
}

/// The first reply any task received; every later one must equal it.
final class FirstReply: Sendable {
  private let stored = Mutex<[UInt8]?>(nil)

  var reply: [UInt8]? { stored.withLock { $0 } }

  /// Keeps `reply` if it is the first; whether it equals the first.
  func matches(_ reply: [UInt8]) -> Bool {
    stored.withLock { first in
      if let first { return first == reply }
      first = reply
      return true
    }
  }
}

enum KVBenchClient {
  static func run(_ options: KVBenchClientOptions) async throws {
    let request = try preparedMessage(options.body)
    let parts = options.path.split(separator: "/", omittingEmptySubsequences: true)
    guard options.path.hasPrefix("/"), parts.count == 2 else {
      KVBenchClientOptions.usage("invalid path \(options.path) (/package.Service/Method)")
    }
    let descriptor = MethodDescriptor(fullyQualifiedService: String(parts[0]), method: String(parts[1]))
    let callOptions = {
      var options = CallOptions.defaults
      options.timeout = .seconds(10)
      return options
    }()
    let first = FirstReply()
    let transport = try HTTP2ClientTransport.Posix(
      target: .ipv4(address: options.host, port: options.port), transportSecurity: .plaintext)

    try await withGRPCClient(transport: transport) { client in
      let cpuAtStart = processCPUSeconds()
      let start = ContinuousClock.now
      let end = start + .milliseconds(Int64(options.duration * 1000))
      // Per task: latencies in nanoseconds and failed calls.
      let results = await withTaskGroup(of: ([Int64], Int).self) { group in
        for _ in 0..<options.clients {
          group.addTask {
            var latencies: [Int64] = []
            var failed = 0
            while ContinuousClock.now < end {
              let began = ContinuousClock.now
              do {
                let reply = try await client.unary(
                  request: ClientRequest(message: request), descriptor: descriptor,
                  serializer: RawBytesCoder(), deserializer: RawBytesCoder(), options: callOptions
                ) { try $0.message }
                guard first.matches(reply) else {
                  failed += 1
                  continue
                }
                let elapsed = ContinuousClock.now - began
                latencies.append(
                  elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
              } catch {
                failed += 1
              }
            }
            return (latencies, failed)
          }
        }
        var all: ([Int64], Int) = ([], 0)
        for await (latencies, failed) in group {
          all.0 += latencies
          all.1 += failed
        }
        return all
      }
      let elapsed = ContinuousClock.now - start
      let cpu = processCPUSeconds() - cpuAtStart
      client.beginGracefulShutdown()

      let latencies = results.0.sorted()
      let ops = latencies.count
      let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
      func quantile(_ q: Double) -> String {
        guard !latencies.isEmpty else { return "nan" }
        let value = latencies[min(latencies.count - 1, Int(q * Double(latencies.count)))]
        return String(format: "%.2f", Double(value) / 1e6)
      }
      if let path = options.firstReply, let reply = first.reply {
        try Data(reply).write(to: URL(fileURLWithPath: path))
      }
      print(
        "summary: ops=\(ops) failed=\(results.1) ops/s=\(String(format: "%.1f", Double(ops) / seconds))"
          + " p50=\(quantile(0.50))ms p99=\(quantile(0.99))ms"
          + " client-cpu/op=\(String(format: "%.1f", cpu * 1e6 / Double(max(ops, 1))))us"
          // A run with failed calls does not end as a valid run of `skv kv bench` does, so that
          // bench-kv-client.sh drops it as it drops an h2load run with a failed request.
          + (results.1 == 0 ? " linearizable: not checked (no history recorded)" : " FAILED CALLS"))
      fflush(nil)
      if results.1 > 0 || ops == 0 { exit(1) }
    }
  }

  /// The message of an h2load body file: one uncompressed gRPC message (its 5-byte prefix off).
  static func preparedMessage(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
      KVBenchClientOptions.usage("cannot read \(path)")
    }
    let body = [UInt8](data)
    guard body.count >= 5, body[0] == 0 else {
      KVBenchClientOptions.usage("\(path) is not one uncompressed gRPC message")
    }
    let length = Int(body[1]) << 24 | Int(body[2]) << 16 | Int(body[3]) << 8 | Int(body[4])
    guard body.count == 5 + length else {
      KVBenchClientOptions.usage("\(path) is not one uncompressed gRPC message")
    }
    return Array(body[5...])
  }

  /// User + system CPU time of this process so far, in seconds.
  static func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
  }
}
