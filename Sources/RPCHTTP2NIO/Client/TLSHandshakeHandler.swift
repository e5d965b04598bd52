import NIOCore
import NIOTLS
import RPCCore

/// Sits behind a client's `NIOSSLClientHandler` and completes `promise` when the TLS handshake
/// is over: successfully if the server agreed to HTTP/2 by ALPN, else with an `UNAVAILABLE`
/// error that says why (certificate not trusted, wrong name, server not speaking TLS, no
/// `h2`). The transport counts a connection as made only then, so a failed handshake puts it
/// in back-off with that reason instead of failing calls one by one.
///
/// Thread confinement: runs on the channel's event loop.
final class TLSHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let promise: EventLoopPromise<Void>
    private let server: String

    init(promise: EventLoopPromise<Void>, server: String) {
        self.promise = promise
        self.server = server
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let negotiated)? = event as? TLSUserEvent {
            if negotiated == TransportTLS.applicationProtocol {
                promise.succeed()
            } else {
                promise.fail(
                    RPCError(
                        code: .unavailable,
                        message: "The TLS server \(server) did not agree to HTTP/2 (ALPN h2; it chose "
                            + "\(negotiated ?? "none")).")
                )
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(RPCError(code: .unavailable, message: "TLS handshake with \(server) failed: \(error)"))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(
            RPCError(
                code: .unavailable,
                message: "\(server) closed the connection during the TLS handshake (is it serving TLS?)."))
        context.fireChannelInactive()
    }
}
