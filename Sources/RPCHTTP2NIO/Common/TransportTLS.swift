import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// TLS for ``HTTP2ServerTransport`` and ``HTTP2ClientTransport``: certificates and keys loaded
/// and checked once, when the value is made, so that a missing or malformed file is reported
/// at start-up in one line (``TransportTLSError``) instead of at the first connection.
///
/// One value serves both roles, as a cluster member needs: its certificate is the server
/// certificate of its listener and the client certificate it presents to the other members.
///
/// - Server: TLS 1.2 or later, ALPN `h2` (what gRPC clients offer). Client certificates are
///   asked for according to ``clientCertificates`` and verified against ``trustRoots``; a
///   verified one becomes the call's `ServerContext.peerIdentity` (its subject's common name),
///   which `PeerAuthorization` checks. A presented certificate that does not verify fails
///   the handshake.
/// - Client: ALPN `h2`; the server's certificate must chain to ``trustRoots`` (the system's
///   roots when `nil`) and name the host dialled: a DNS name is sent as SNI and must match a
///   DNS subject alternative name; an IP address (members given as `IP:PORT`) must match an
///   IP subject alternative name of the certificate (no SNI is sent for IP addresses). The
///   client's own certificate, if configured, is presented when the server asks.
///
/// Only PEM is read (certificate chain: leaf first; private key: PKCS#8 or traditional, not
/// encrypted). NIOSSL's types stay inside this module.
public struct TransportTLS: Sendable {
    /// Where PEM data comes from.
    public enum PEMSource: Sendable, Hashable, CustomStringConvertible {
        /// A file, read once when the ``TransportTLS`` is made.
        case file(String)
        /// PEM text already in memory (tests, configuration stores).
        case bytes([UInt8])

        public var description: String {
            switch self {
            case .file(let path): path
            case .bytes(let bytes): "<\(bytes.count) bytes of PEM>"
            }
        }
    }

    /// Whether a server asks its clients for certificates.
    public enum ClientCertificates: Sendable, Hashable {
        /// Never asks: no caller has a ``PeerIdentity``.
        case notRequested
        /// Asks; a client may present none (it then has no identity), but one it presents
        /// must verify against the trust roots.
        case optional
        /// Every client must present a certificate that verifies, or the handshake fails.
        case required
    }

    /// The certificate chain presented to peers (leaf first), if any.
    public let certificateChain: PEMSource?
    /// The private key of the leaf certificate, if any.
    public let privateKey: PEMSource?
    /// The CA certificates peers' certificates must chain to; `nil`: the system's roots.
    public let trustRoots: PEMSource?
    /// Whether a server asks clients for certificates.
    public let clientCertificates: ClientCertificates

    /// The server side's context; `nil` without a certificate and key.
    let serverContext: NIOSSLContext?
    /// The client side's context.
    let clientContext: NIOSSLContext

    /// The protocol negotiated by ALPN: gRPC runs over HTTP/2 only.
    static let applicationProtocol = "h2"

    /// Loads and checks the files (or bytes).
    ///
    /// - Throws: ``TransportTLSError`` naming the file and what is wrong with it: unreadable,
    ///   no PEM certificate in it, a key that does not parse or does not match the certificate,
    ///   a certificate without a key (or a key without a certificate).
    public init(
        certificateChain: PEMSource?, privateKey: PEMSource?, trustRoots: PEMSource?,
        clientCertificates: ClientCertificates = .optional
    ) throws(TransportTLSError) {
        guard (certificateChain == nil) == (privateKey == nil) else {
            throw TransportTLSError(
                "a TLS certificate needs its private key and a key its certificate (got only the "
                    + (certificateChain == nil ? "key" : "certificate") + ")")
        }
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.trustRoots = trustRoots
        self.clientCertificates = clientCertificates

        let chain = try certificateChain.map { source throws(TransportTLSError) in
            try Self.loadCertificates(source, what: "certificate chain")
        }
        let key = try privateKey.map { source throws(TransportTLSError) in try Self.loadPrivateKey(source) }
        let roots: NIOSSLTrustRoots = try trustRoots.map { source throws(TransportTLSError) in
            .certificates(try Self.loadCertificates(source, what: "trust roots"))
        } ?? .default

        var client = TLSConfiguration.makeClientConfiguration()
        client.minimumTLSVersion = .tlsv12
        client.applicationProtocols = [Self.applicationProtocol]
        client.certificateVerification = .fullVerification
        client.trustRoots = roots
        if let chain, let key {
            client.certificateChain = chain.map { .certificate($0) }
            client.privateKey = .privateKey(key)
        }
        do {
            clientContext = try NIOSSLContext(configuration: client)
        } catch {
            throw TransportTLSError(
                "cannot use the TLS certificate \(certificateChain?.description ?? "-") with key "
                    + "\(privateKey?.description ?? "-") and trust roots "
                    + "\(trustRoots?.description ?? "(system)"): \(error)")
        }

        guard let chain, let key else {
            serverContext = nil
            return
        }
        var server = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        server.minimumTLSVersion = .tlsv12
        server.applicationProtocols = [Self.applicationProtocol]
        server.trustRoots = roots
        switch clientCertificates {
        case .notRequested: server.certificateVerification = .none
        case .optional: server.certificateVerification = .optionalVerification
        case .required: server.certificateVerification = .noHostnameVerification
        }
        do {
            serverContext = try NIOSSLContext(configuration: server)
        } catch {
            throw TransportTLSError(
                "cannot serve TLS with certificate \(certificateChain?.description ?? "-") and key "
                    + "\(privateKey?.description ?? "-"): \(error)")
        }
    }

    /// Whether this configuration can serve (it has a certificate and key).
    public var canServe: Bool { serverContext != nil }

    private static func loadCertificates(
        _ source: PEMSource, what: String
    ) throws(TransportTLSError) -> [NIOSSLCertificate] {
        let bytes = try read(source, what: what)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw TransportTLSError("the TLS \(what) \(source) is not PEM certificates: \(error)")
        }
        guard !certificates.isEmpty else {
            throw TransportTLSError("the TLS \(what) \(source) holds no PEM certificate")
        }
        return certificates
    }

    private static func loadPrivateKey(_ source: PEMSource) throws(TransportTLSError) -> NIOSSLPrivateKey {
        let bytes = try read(source, what: "private key")
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw TransportTLSError("the TLS private key \(source) is not an unencrypted PEM private key: \(error)")
        }
    }

    /// Largest PEM file read: certificates and keys are a few KiB; this bounds a mistaken path.
    static let maxPEMFileBytes = 1 << 20

    private static func read(_ source: PEMSource, what: String) throws(TransportTLSError) -> [UInt8] {
        switch source {
        case .bytes(let bytes):
            return bytes
        case .file(let path):
            guard let file = fopen(path, "rb") else {
                throw TransportTLSError("cannot read the TLS \(what) \(path): \(String(cString: strerror(errno)))")
            }
            defer { fclose(file) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 16 << 10)
            while true {
                let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
                if count == 0 { break }
                bytes += chunk[..<count]
                guard bytes.count <= maxPEMFileBytes else {
                    throw TransportTLSError("the TLS \(what) \(path) is larger than \(maxPEMFileBytes) bytes")
                }
            }
            if ferror(file) != 0 {
                throw TransportTLSError("cannot read the TLS \(what) \(path): \(String(cString: strerror(errno)))")
            }
            return bytes
        }
    }
}
