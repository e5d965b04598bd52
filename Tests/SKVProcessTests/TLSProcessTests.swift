import Foundation
import RPCCore
import RPCHTTP2NIO
import RPCTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension KVProcessTests {
    /// A three-node `skv kv` group over mutual TLS, certificates from `Scripts/make-test-certs.sh`:
    /// the CLI with a client certificate works end to end (leader kill included), a plaintext CLI
    /// is refused with a clear error, Raft refuses callers without a member's certificate, a member
    /// with an outsider's certificate is cut off until it gets a valid one; and the start-up rules
    /// (`--insecure`, unusable certificate files). Needs `swift build --product skv`.
    ///
    /// Nested in ``KVProcessTests`` so that it inherits `.serialized` and the binary check: the
    /// process tests never run two clusters at once.
    @Suite("TLSProcessTests")
    struct TLSProcessTests {
        /// Runs the certificate script into `directory`.
        static func makeCertificates(in directory: String) throws {
            try TestCertificateScript.run(into: directory)
        }

        /// `skv kv serve` with the certificate `name` (member or rogue), trusting the test CA,
        /// members being CN=skv-member; the CLI with the client certificate.
        static func daemon(
            _ base: SKVDaemon = .kv, certificates: String, name: String = "member"
        ) -> SKVDaemon {
            var daemon = base
            daemon.serveOptions += [
                "--tls-cert", "\(certificates)/\(name).pem", "--tls-key", "\(certificates)/\(name)-key.pem",
                "--tls-ca", "\(certificates)/ca.pem", "--peer-cert-allowed-cn", "skv-member",
            ]
            daemon.clientOptions = [
                "--tls-ca", "\(certificates)/ca.pem", "--tls-cert", "\(certificates)/client.pem",
                "--tls-key", "\(certificates)/client-key.pem",
            ]
            return daemon
        }

        @Test(.timeLimit(.minutes(3)))
        func mutualTLSClusterEndToEnd() async throws {
            let root = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let certificates = "\(root)/certs"
            try Self.makeCertificates(in: certificates)
            let cluster = try SKVProcessCluster(root: root, daemon: Self.daemon(certificates: certificates))
            defer { cluster.killAll() }
            try cluster.startAll()

            for k in 0..<5 {
                let put = try await cluster.cli(["put", "k\(k)", "v\(k)"])
                try #require(put.status == 0, "put k\(k) over TLS: \(put.stderr)\n\(cluster.logTail(0))")
            }
            let get = try await cluster.cli(["get", "k3"])
            #expect(get.status == 0 && get.stdout == "v3\n", "\(get.stderr)")

            // A plaintext CLI is refused, promptly and with a reason.
            let plaintext = try await SKVBinary.run(
                ["kv", "get", "k3", "--endpoints", cluster.endpoints, "--timeout", "3"], within: .seconds(15))
            #expect(plaintext.status == 3)
            #expect(plaintext.stderr.contains("TLS"), "\(plaintext.stderr)")

            // Raft is for members only: a client certificate is not enough, no certificate less so.
            let step = MethodDescriptor(service: "skv.raft.Raft", method: "Step")
            let port = cluster.ports[0]
            for (certificate, expected) in [("client", Status.Code.permissionDenied), (nil, .unauthenticated)] {
                let tls = try TransportTLS(
                    certificateChain: certificate.map { .file("\(certificates)/\($0).pem") },
                    privateKey: certificate.map { .file("\(certificates)/\($0)-key.pem") },
                    trustRoots: .file("\(certificates)/ca.pem"))
                let code = try await Self.callCode(step, port: port, tls: tls)
                #expect(code == expected, "Raft Step with \(certificate ?? "no") certificate")
            }

            // Membership is for members too (and operators with an allowed certificate): the client
            // certificate is refused at once (exit 4); the member certificate lists the group.
            let asClient = try await cluster.cli(["member", "list"], timeout: 5)
            #expect(asClient.status == 4 && asClient.stderr.contains("members only"), "\(asClient)")
            let asMember = try await SKVBinary.run(
                [
                    "kv", "member", "list", "--endpoints", cluster.endpoints, "--timeout", "5",
                    "--tls-ca", "\(certificates)/ca.pem", "--tls-cert", "\(certificates)/member.pem",
                    "--tls-key", "\(certificates)/member-key.pem",
                ], within: .seconds(15))
            #expect(asMember.status == 0 && asMember.stdout.contains("3 voters, 0 learners"), "\(asMember)")

            // A member with an outsider's certificate is cut off; the other two go on without it.
            try await cluster.stop(2)
            cluster.daemon = Self.daemon(certificates: certificates, name: "rogue")
            try cluster.start(2)
            for k in 5..<10 {
                let put = try await cluster.cli(["put", "k\(k)", "v\(k)"])
                try #require(put.status == 0, "put k\(k) beside the rogue member: \(put.stderr)")
            }
            let status = try await cluster.cli(["status"], timeout: 5)
            let rogueLine = status.stdout.split(separator: "\n").first {
                $0.hasPrefix("127.0.0.1:\(cluster.ports[2]) ")
            }
            #expect(rogueLine?.contains("unavailable") == true, "node 3 with a rogue certificate: \(status.stdout)")
            #expect(cluster.isRunning(2), "the rogue member keeps running (and keeps being refused)")

            // With its member certificate back it catches up; then the leader is killed.
            try await cluster.stop(2)
            cluster.daemon = Self.daemon(certificates: certificates)
            try cluster.start(2)
            let leader = try #require(try await cluster.leader())
            try await cluster.stop(leader, signal: SIGKILL)
            let after = try await cluster.cli(["put", "k10", "v10"])
            #expect(after.status == 0, "put after killing the leader: \(after.stderr)")
            for k in [0, 7, 10] {
                let get = try await cluster.cli(["get", "k\(k)"])
                #expect(get.status == 0 && get.stdout == "v\(k)\n", "k\(k): \(get.stderr)")
            }
            for i in 0..<3 where i != leader { #expect(try await cluster.stop(i) == 0) }
        }

        /// Controllers and two shard groups over mutual TLS: joins move shards between the groups
        /// (PullShards between members' certificates), the CLI reads every key afterwards, and a
        /// client certificate cannot call the migration service.
        @Test(.timeLimit(.minutes(3)))
        func shardedClusterOverMutualTLS() async throws {
            let root = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let certificates = "\(root)/certs"
            try Self.makeCertificates(in: certificates)
            for name in ["ctrler", "g100", "g101"] {
                try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
            }
            let ctrlers = try SKVProcessCluster(
                root: root + "/ctrler", daemon: Self.daemon(.ctrler, certificates: certificates))
            var groups: [SKVProcessCluster] = []
            for gid: UInt64 in [100, 101] {
                groups.append(
                    try SKVProcessCluster(
                        root: root + "/g\(gid)",
                        daemon: Self.daemon(.shard(gid: gid, ctrlers: ctrlers.endpoints), certificates: certificates),
                        avoiding: ctrlers.ports + groups.flatMap(\.ports)))
            }
            let clusters = [ctrlers] + groups
            defer { for cluster in clusters { cluster.killAll() } }
            for cluster in clusters { try cluster.startAll() }
            let shard = groups[0]

            let join100 = try await ctrlers.cli(["join", "100=\(groups[0].endpoints)"])
            try #require(join100.status == 0, "\(join100)")
            for k in 0..<10 {
                let put = try await shard.cli(["put", "k\(k)", "v\(k)"])
                try #require(put.status == 0, "put k\(k) over TLS: \(put)")
            }
            // Group 101 joins: about half the shards move to it over mutual TLS.
            let join101 = try await ctrlers.cli(["join", "101=\(groups[1].endpoints)"])
            try #require(join101.status == 0, "\(join101)")
            for k in 0..<10 {
                let append = try await shard.cli(["append", "k\(k)", "+a"])
                #expect(append.status == 0, "append k\(k) after the join: \(append)")
            }
            for k in 0..<10 {
                let get = try await shard.cli(["get", "k\(k)"])
                #expect(get.status == 0 && get.stdout == "v\(k)+a\n", "k\(k): \(get)")
            }
            let status = try await shard.cli(["status"])
            #expect(status.stdout.contains("gid=101 ") && status.stdout.contains(":serving("), "\(status.stdout)")

            let client = try TransportTLS(
                certificateChain: .file("\(certificates)/client.pem"),
                privateKey: .file("\(certificates)/client-key.pem"), trustRoots: .file("\(certificates)/ca.pem"))
            let pull = MethodDescriptor(service: "skv.shardkv.ShardMigration", method: "PullShards")
            let code = try await Self.callCode(pull, port: groups[0].ports[0], tls: client)
            #expect(code == .permissionDenied)
        }

        @Test(.timeLimit(.minutes(1)))
        func startUpRules() async throws {
            let root = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let certificates = "\(root)/certs"
            try Self.makeCertificates(in: certificates)
            let port = try freeLoopbackPort()
            let base = ["kv", "serve", "--id", "1", "--peer", "1=127.0.0.1:\(port)", "--data-dir", "\(root)/data"]

            // Plaintext on a non-loopback address: refused (exit 2) without --insecure.
            let open = try await SKVBinary.run(base + ["--listen", "0.0.0.0:\(port)"], within: .seconds(15))
            #expect(open.status == 2 && open.stderr.contains("--insecure"), "\(open.stderr)")
            #expect(open.stderr.split(separator: "\n").count == 1)

            // A certificate file that does not exist: exit 1, one line naming it.
            let missing = "\(certificates)/nope.pem"
            let tls = ["--tls-key", "\(certificates)/member-key.pem", "--tls-ca", "\(certificates)/ca.pem"]
            let noFile = try await SKVBinary.run(
                base + ["--listen", "0.0.0.0:\(port)", "--tls-cert", missing] + tls, within: .seconds(15))
            #expect(noFile.status == 1 && noFile.stderr.contains(missing), "\(noFile.stderr)")
            #expect(noFile.stderr.split(separator: "\n").count == 1)

            // A key that is not the certificate's: exit 1.
            let wrongKey = try await SKVBinary.run(
                base + [
                    "--listen", "127.0.0.1:\(port)", "--tls-cert", "\(certificates)/member.pem",
                    "--tls-key", "\(certificates)/client-key.pem", "--tls-ca", "\(certificates)/ca.pem",
                ],
                within: .seconds(15))
            #expect(wrongKey.status == 1, "\(wrongKey.stderr)")

            // --client-cert-required without TLS: exit 2.
            let flags = try await SKVBinary.run(
                base + ["--listen", "127.0.0.1:\(port)", "--client-cert-required"], within: .seconds(15))
            #expect(flags.status == 2, "\(flags.stderr)")
        }

        /// The status code of a call to `descriptor` with an empty message (refused calls never
        /// reach the method, so the payload does not matter).
        static func callCode(
            _ descriptor: MethodDescriptor, port: Int, tls: TransportTLS
        ) async throws -> Status.Code? {
            var configuration = HTTP2ClientTransport.Configuration()
            configuration.tls = tls
            let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port, configuration: configuration)
            let code: Status.Code?
            do {
                _ = try await RPCClient(transport: transport).unary(
                    request: ClientRequest(message: [UInt8]()), descriptor: descriptor, serializer: RawBytes(),
                    deserializer: RawBytes(), options: CallOptions(timeout: .seconds(5)))
                code = nil
            } catch let error as RPCError {
                code = error.code
            }
            await transport.close()
            return code
        }
    }
}

/// Messages as raw bytes.
private struct RawBytes: MessageSerializer, MessageDeserializer {
    func serialize(_ message: [UInt8]) throws(RPCError) -> [UInt8] { message }
    func deserialize(_ bytes: [UInt8]) throws(RPCError) -> [UInt8] { bytes }
}
