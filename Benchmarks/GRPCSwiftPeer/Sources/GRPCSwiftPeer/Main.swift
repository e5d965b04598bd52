// grpc-swift-peer: serves grpc.testing.TestService (EmptyCall, UnaryCall) with
// grpc-swift-2 over HTTP2ServerTransport.Posix, plaintext; or, as `grpc-swift-peer client`,
// loads a server with grpc-swift-2's client (KVBenchClient.swift).
//
// Usage: grpc-swift-peer [--host 127.0.0.1] [--port 50052]
//        grpc-swift-peer client --target HOST:PORT --path /package.Service/Method --body FILE ...

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

struct Options {
  var host = "127.0.0.1"
  var port = 50052

  static func parse(_ arguments: [String]) -> Options {
    var options = Options()
    var iterator = arguments.dropFirst().makeIterator()
    func value(for flag: String) -> String {
      guard let v = iterator.next() else { usage("missing value for \(flag)") }
      return v
    }
    while let arg = iterator.next() {
      switch arg {
      case "--host":
        options.host = value(for: arg)
      case "--port":
        let raw = value(for: arg)
        guard let port = Int(raw), (0...65535).contains(port) else { usage("invalid port \(raw)") }
        options.port = port
      case "-h", "--help":
        print(helpText)
        exit(0)
      default:
        usage("unknown argument \(arg)")
      }
    }
    return options
  }

  static let helpText =
    "usage: grpc-swift-peer [--host 127.0.0.1] [--port 50052]\n       grpc-swift-peer client --help"

  static func usage(_ message: String) -> Never {
    FileHandle.standardError.write(Data("grpc-swift-peer: \(message)\n\(helpText)\n".utf8))
    exit(2)
  }
}

@main
struct GRPCSwiftPeer {
  static func main() async throws {
    if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "client" {
      try await KVBenchClient.run(KVBenchClientOptions.parse(CommandLine.arguments.dropFirst(2)))
      return
    }
    let options = Options.parse(CommandLine.arguments)
    let transport = HTTP2ServerTransport.Posix(
      address: .ipv4(host: options.host, port: options.port),
      transportSecurity: .plaintext
    )
    let server = GRPCServer(transport: transport, services: [TestService()])

    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      if let address = try await server.listeningAddress {
        print("grpc-swift-peer listening on \(address)")
        fflush(nil)  // visible promptly when stdout is a pipe or file
      }
    }
  }
}
