import ArgumentParser
import RPCHTTP2NIO

/// `--tls-cert`, `--tls-key`, `--tls-ca` of `server` and `client`: TLS (ALPN `h2`) instead of
/// plaintext. A server needs a certificate and key (with `--tls-ca` it asks clients for a
/// certificate and verifies one that is presented); a client needs `--tls-ca` (the server's
/// certificate must chain to it and name the host) and presents `--tls-cert` if given.
struct InteropTLSOptions: ParsableArguments {
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain to present.")
    var certificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var key: String?

    @Option(name: .customLong("tls-ca"), help: "PEM CA certificates the peer's certificate must chain to.")
    var ca: String?

    /// The TLS configuration, `nil` for plaintext.
    /// - Throws: `ValidationError` naming an unusable file.
    func transportTLS() throws -> TransportTLS? {
        guard certificate != nil || ca != nil else { return nil }
        do throws(TransportTLSError) {
            return try TransportTLS(
                certificateChain: certificate.map { .file($0) }, privateKey: key.map { .file($0) },
                trustRoots: ca.map { .file($0) }, clientCertificates: ca == nil ? .notRequested : .optional)
        } catch {
            throw ValidationError(error.message)
        }
    }
}
