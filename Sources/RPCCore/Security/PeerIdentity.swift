/// Who the transport proved the client to be, if it proved anything: for TLS, the subject of
/// the certificate chain the client presented and the server verified against its trust roots.
///
/// Transport-agnostic: plaintext and in-process transports report no identity (`nil` in
/// ``ServerContext/peerIdentity``); a TLS transport reports one only for a verified
/// certificate, never for one it could not verify (it refuses that handshake).
public struct PeerIdentity: Hashable, Sendable, CustomStringConvertible {
    /// The most significant `commonName` of the leaf certificate's subject, if it has one.
    public var commonName: String?

    public init(commonName: String?) {
        self.commonName = commonName
    }

    public var description: String { "CN=\(commonName ?? "<none>")" }
}
