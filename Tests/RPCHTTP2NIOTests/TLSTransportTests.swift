import RPCCore
import RPCHTTP2NIO
import RPCTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// TLS on the HTTP/2 transports over loopback, with certificates from
/// `Scripts/make-test-certs.sh`: handshake and ALPN, server-certificate verification by IP and
/// by name, plaintext and TLS mismatches failing fast with a clear reason, client certificates
/// (optional, required, untrusted) and member-only services (`PeerAuthorization`).
@Suite(.serialized) struct TLSTransportTests {
    /// A mismatch (plaintext vs TLS, untrusted certificate) must fail well within this.
    static let failFastLimit: Duration = .seconds(5)
    /// Member-only: the echo service, for certificates with CN=skv-member.
    static let membersOnly = PeerAuthorization(restrictedServices: [EchoService.get.service]) {
        $0.commonName == "skv-member"
    }

    static func server(_ tls: TransportTLS?) -> HTTP2ServerTransport.Configuration {
        var configuration = HTTP2ServerTransport.Configuration()
        configuration.tls = tls
        return configuration
    }

    static func client(_ tls: TransportTLS?) -> HTTP2ClientTransport.Configuration {
        var configuration = HTTP2ClientTransport.Configuration()
        configuration.tls = tls
        return configuration
    }

    static func echo(_ client: RPCClient, _ message: String = "hi") async throws -> String {
        try await client.unary(
            request: ClientRequest(message: message), descriptor: EchoService.get,
            serializer: StringCoder(), deserializer: StringCoder()
        ).message
    }

    /// The error of a call that must fail, and how long it took.
    static func failure(_ client: RPCClient) async -> (RPCError?, Duration) {
        let start = ContinuousClock.now
        do {
            _ = try await echo(client)
            return (nil, .now - start)
        } catch {
            return (error as? RPCError, .now - start)
        }
    }

    @Test func callsOverTLSByAddressAndByName() async throws {
        let serverTLS = try TestCertificates.tls("member")
        let clientTLS = try TestCertificates.tls(nil)
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer(configuration: Self.server(serverTLS)) { port in
                // 127.0.0.1 is checked against the certificate's IP SAN, localhost against its DNS SAN.
                for host in ["127.0.0.1", "localhost"] {
                    try await withClient(port: port, host: host, configuration: Self.client(clientTLS)) { client in
                        let echoed = try await Self.echo(client, "over \(host)")
                        #expect(echoed == "over \(host)")
                        let big = String(repeating: "x", count: 1 << 20)
                        let echoedBig = try await Self.echo(client, big)
                        #expect(echoedBig.count == big.count)
                    }
                }
            }
        }
    }

    @Test func untrustedServerCertificateIsRefused() async throws {
        let serverTLS = try TestCertificates.tls("rogue", trust: "rogue-ca")
        let clientTLS = try TestCertificates.tls(nil)
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer(configuration: Self.server(serverTLS)) { port in
                try await withClient(port: port, configuration: Self.client(clientTLS)) { client in
                    let (error, elapsed) = await Self.failure(client)
                    #expect(error?.code == .unavailable)
                    #expect(error?.message.contains("TLS handshake") == true, "\(String(describing: error))")
                    #expect(elapsed < Self.failFastLimit)
                }
            }
        }
    }

    @Test func plaintextClientOfTLSServerFailsCleanly() async throws {
        let serverTLS = try TestCertificates.tls("member")
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer(configuration: Self.server(serverTLS)) { port in
                try await withClient(port: port) { client in
                    let (error, elapsed) = await Self.failure(client)
                    #expect(error?.code == .unavailable)
                    #expect(error?.message.contains("TLS") == true, "\(String(describing: error))")
                    #expect(elapsed < Self.failFastLimit)
                }
                // The listener still serves TLS clients afterwards.
                let clientTLS = try TestCertificates.tls(nil)
                try await withClient(port: port, configuration: Self.client(clientTLS)) { client in
                    let echoed = try await Self.echo(client)
                    #expect(echoed == "hi")
                }
            }
        }
    }

    @Test func tlsClientOfPlaintextServerFailsCleanly() async throws {
        let clientTLS = try TestCertificates.tls(nil)
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer { port in
                try await withClient(port: port, configuration: Self.client(clientTLS)) { client in
                    let (error, elapsed) = await Self.failure(client)
                    #expect(error?.code == .unavailable)
                    #expect(error?.message.contains("TLS handshake") == true, "\(String(describing: error))")
                    #expect(elapsed < Self.failFastLimit)
                }
            }
        }
    }

    @Test func memberOnlyServicesNeedAMemberCertificate() async throws {
        let serverTLS = try TestCertificates.tls("member")
        try await withTimeLimit(.seconds(30)) {
            let configuration = Self.server(serverTLS)
            try await withLoopbackServer(configuration: configuration, authorization: Self.membersOnly) { port in
                let member = try TestCertificates.tls("member")
                try await withClient(port: port, configuration: Self.client(member)) { client in
                    let echoed = try await Self.echo(client)
                    #expect(echoed == "hi")
                }
                let ordinaryClient = try TestCertificates.tls("client")
                try await withClient(port: port, configuration: Self.client(ordinaryClient)) { client in
                    let (error, _) = await Self.failure(client)
                    #expect(error?.code == .permissionDenied, "\(String(describing: error))")
                    #expect(error?.message.contains("CN=skv-client") == true)
                }
                let anonymous = try TestCertificates.tls(nil)
                try await withClient(port: port, configuration: Self.client(anonymous)) { client in
                    let (error, _) = await Self.failure(client)
                    #expect(error?.code == .unauthenticated, "\(String(describing: error))")
                    // Services that are not member-only stay open to it (this one is unknown).
                    let unknown = await #expect(throws: RPCError.self) {
                        try await client.unary(
                            request: ClientRequest(message: ""),
                            descriptor: MethodDescriptor(service: "no.Such", method: "Thing"),
                            serializer: StringCoder(), deserializer: StringCoder())
                    }
                    #expect(unknown?.code == .unimplemented)
                }
                // An outsider's certificate (unrelated CA, member's names) fails the handshake.
                let rogue = try TestCertificates.tls("rogue")
                try await withClient(port: port, configuration: Self.client(rogue)) { client in
                    let (error, elapsed) = await Self.failure(client)
                    #expect(error?.code == .unavailable, "\(String(describing: error))")
                    #expect(elapsed < Self.failFastLimit)
                }
            }
        }
    }

    @Test func requiredClientCertificates() async throws {
        let serverTLS = try TestCertificates.tls("member", clientCertificates: .required)
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer(configuration: Self.server(serverTLS)) { port in
                let anonymous = try TestCertificates.tls(nil)
                try await withClient(port: port, configuration: Self.client(anonymous)) { client in
                    let (error, elapsed) = await Self.failure(client)
                    #expect(error?.code == .unavailable, "\(String(describing: error))")
                    #expect(elapsed < Self.failFastLimit)
                }
                let ordinaryClient = try TestCertificates.tls("client")
                try await withClient(port: port, configuration: Self.client(ordinaryClient)) { client in
                    let echoed = try await Self.echo(client)
                    #expect(echoed == "hi")
                }
            }
        }
    }

    @Test func silentClientIsDroppedAfterTheHandshakeTimeout() async throws {
        var configuration = Self.server(try TestCertificates.tls("member"))
        configuration.handshakeTimeout = .milliseconds(300)
        let settings = configuration
        try await withTimeLimit(.seconds(30)) {
            try await withLoopbackServer(configuration: settings) { port in
                // Connects and never sends a ClientHello: the server closes it (the HTTP/2
                // handshake timeout covers the TLS handshake too).
                let silent = try await RawConnection.connect(port: port)
                #expect(await silent.closedByPeer(within: .seconds(5)))
                await silent.close()
            }
        }
    }

    @Test func unusableFilesGiveOneLineErrorsNamingThem() throws {
        let missing = "/nonexistent/skv-test/member.pem"
        let cases: [(TransportTLS.PEMSource?, TransportTLS.PEMSource?, TransportTLS.PEMSource?, String)] = [
            (.file(missing), .file(try TestCertificates.path("member-key.pem")), nil, missing),
            (
                .file(try TestCertificates.path("member.pem")), .file(try TestCertificates.path("client-key.pem")), nil,
                "member.pem"
            ),
            (.bytes(Array("not a certificate".utf8)), .file(try TestCertificates.path("member-key.pem")), nil, "PEM"),
            (.file(try TestCertificates.path("member.pem")), nil, nil, "private key"),
            (nil, nil, .file(try TestCertificates.path("member-key.pem")), "member-key.pem"),
        ]
        for (chain, key, roots, named) in cases {
            let error = #expect(throws: TransportTLSError.self) {
                try TransportTLS(certificateChain: chain, privateKey: key, trustRoots: roots)
            }
            #expect(error?.message.contains(named) == true, "\(String(describing: error))")
            #expect(error?.message.contains("\n") == false)
        }
    }
}
