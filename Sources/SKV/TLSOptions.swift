import ArgumentParser
import RPCCore
import RPCHTTP2NIO

/// The TLS and peer-authentication options every daemon takes (`skv kv serve`, `skv ctrler
/// serve`, `skv shard serve`).
///
/// With `--tls-cert`, `--tls-key` and `--tls-ca` the listener serves TLS (ALPN `h2`) with the
/// certificate, and the daemon presents the same certificate as client certificate when it
/// dials the other members (and, for ShardKV, other groups and the controller), verifying
/// theirs against `--tls-ca`. The listener asks every client for a certificate (optional
/// unless `--client-cert-required`); one that is presented must chain to `--tls-ca`.
///
/// Member-only services (`skv.raft.Raft`, `skv.shardkv.ShardMigration`) accept only callers
/// whose verified certificate is a member's: with `--peer-cert-allowed-cn` one whose common
/// name is listed (etcd's rule), else any certificate that chains to `--tls-ca`, so client
/// certificates from the same CA should then come with `--peer-cert-allowed-cn`. Others get
/// `UNAUTHENTICATED` (no certificate) or `PERMISSION_DENIED` (not a member's).
///
/// Without TLS a daemon listens only on a loopback address (`127.0.0.0/8`, `::1`, `localhost`)
/// unless `--insecure` is given: plaintext lets anyone who reaches the port send Raft messages.
struct TLSOptions: ParsableArguments {
    @OptionGroup var credentials: TLSClientOptions

    @Flag(name: .customLong("client-cert-required"), help: "Refuse clients that present no valid certificate (TLS).")
    var clientCertificateRequired = false

    @Option(
        name: .customLong("peer-cert-allowed-cn"),
        help: """
            A common name of members' (and operators') certificates (repeatable); others cannot call Raft, \
            membership changes or shard migration.
            """)
    var peerAllowedCommonNames: [String] = []

    @Flag(help: "Allow serving plaintext on a non-loopback address (anyone who reaches it can send Raft messages).")
    var insecure = false

    /// The services only members may call (`skv … member` needs a certificate among them too:
    /// listing or changing the membership is an operator's task, not a client's).
    static let memberOnlyServices: Set<String> = ["skv.raft.Raft", "skv.raft.Membership", "skv.shardkv.ShardMigration"]

    /// Whether `host` is a loopback address or `localhost`.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Checks the flags against the listen address; exits with status 2 and one line when they
    /// do not fit, with status 1 when a file cannot be used. Returns the TLS configuration
    /// (`nil`: plaintext) and the member check of the listener (`nil`: everyone may call
    /// everything, as without TLS).
    func validated(listen: Address) -> (tls: TransportTLS?, authorization: PeerAuthorization?) {
        guard credentials.isEnabled else {
            if clientCertificateRequired || !peerAllowedCommonNames.isEmpty {
                fail(
                    "--client-cert-required and --peer-cert-allowed-cn need TLS (--tls-cert, --tls-key, --tls-ca)",
                    status: SKVCommand.exitBadOptions)
            }
            if !insecure && !Self.isLoopback(listen.host) {
                fail(
                    "refusing to serve plaintext on non-loopback address \(listen): give --tls-cert, --tls-key and "
                        + "--tls-ca, or --insecure",
                    status: SKVCommand.exitBadOptions)
            }
            return (nil, nil)
        }
        guard credentials.certificate != nil, credentials.ca != nil else {
            fail("a TLS daemon needs --tls-cert, --tls-key and --tls-ca", status: SKVCommand.exitBadOptions)
        }
        let tls = credentials.transportTLS(clientCertificates: clientCertificateRequired ? .required : .optional)
        let allowed = Set(peerAllowedCommonNames)
        let authorization = PeerAuthorization(restrictedServices: Self.memberOnlyServices) { identity in
            allowed.isEmpty || identity.commonName.map(allowed.contains) == true
        }
        return (tls, authorization)
    }
}
