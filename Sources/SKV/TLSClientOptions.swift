import ArgumentParser
import RPCHTTP2NIO

/// `--tls-ca`, `--tls-cert`, `--tls-key`: TLS for a command's connections to `skv` servers
/// (every client command, and inside ``TLSOptions`` for the daemons). TLS is on when
/// `--tls-ca` or `--tls-cert` is given; the server's certificate must chain to `--tls-ca` and
/// name the host dialled (an IP address must be one of its IP subject alternative names).
/// `--tls-cert`/`--tls-key` are the client certificate that servers with
/// `--client-cert-required` (or member-only services) ask for.
struct TLSClientOptions: ParsableArguments {
    /// Exit status for a certificate, key or CA file that cannot be used (as for an unusable
    /// data directory: the environment, not the flags, is wrong).
    static let exitUnusableFile: Int32 = 1

    @Option(
        name: .customLong("tls-ca"),
        help: "PEM file of the CA certificates that servers' (and peers') certificates must chain to.")
    var ca: String?

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain to present (leaf first).")
    var certificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert (unencrypted).")
    var key: String?

    /// Whether any TLS option was given.
    var isEnabled: Bool { ca != nil || certificate != nil }

    /// The loaded TLS configuration, or `nil` for plaintext; exits with one `skv:` line (status
    /// 2 for a flag combination, 1 for an unusable file) when it cannot be used.
    func transportTLS(clientCertificates: TransportTLS.ClientCertificates = .notRequested) -> TransportTLS? {
        guard isEnabled else {
            if key != nil { fail("--tls-key needs --tls-cert", status: SKVCommand.exitBadOptions) }
            return nil
        }
        guard (certificate == nil) == (key == nil) else {
            fail("--tls-cert and --tls-key go together", status: SKVCommand.exitBadOptions)
        }
        do throws(TransportTLSError) {
            return try TransportTLS(
                certificateChain: certificate.map { .file($0) }, privateKey: key.map { .file($0) },
                trustRoots: ca.map { .file($0) }, clientCertificates: clientCertificates)
        } catch {
            fail(error.message, status: Self.exitUnusableFile)
        }
    }
}
