import NIOCore
import NIOHTTP1
import NIOPosix

/// The daemons' monitoring listener: a small HTTP/1.1 server (SwiftNIO's HTTP/1 codec) that
/// answers `GET` requests through a ``Route`` closure (`/metrics`, `/`, `/status.json`; see
/// ``MonitoringRoutes``). Plain HTTP, separate from the RPC listener.
///
/// Lifecycle: ``bind(host:port:group:route:)`` binds (so a port in use fails the daemon's
/// start-up) and ``run()`` serves until its task is cancelled, then closes the listener and
/// the open connections. `run()` is the shape of a swift-service-lifecycle `Service` (wrap it
/// with `cancelOnGracefulShutdown()`: scrapes need no draining).
struct MonitoringHTTPServer: Sendable {
    /// What a route answers.
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]

        static func notFound(_ path: String) -> Response {
            Response(status: .notFound, contentType: "text/plain; charset=utf-8", body: Array("no page \(path)\n".utf8))
        }
    }

    /// Answers one request for `path` (the request target without its query).
    typealias Route = @Sendable (_ path: String) async -> Response

    /// Largest request body read before the connection is dropped, in bytes (a GET has none).
    static let maxRequestBodyBytes = 64 << 10

    private let listener: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let route: Route

    /// The port the listener is bound to (the one asked for, or the one chosen for port 0).
    let port: Int

    /// Binds `host:port` on `group`.
    /// - Throws: the bind error (address in use, not available).
    static func bind(host: String, port: Int, group: any EventLoopGroup, route: @escaping Route) async throws
        -> MonitoringHTTPServer
    {
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return MonitoringHTTPServer(listener: listener, route: route, port: listener.channel.localAddress?.port ?? port)
    }

    private init(
        listener: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>,
        route: @escaping Route, port: Int
    ) {
        self.listener = listener
        self.route = route
        self.port = port
    }

    /// Serves connections until the task is cancelled; then closes the listener and every
    /// connection.
    func run() async {
        let route = self.route
        try? await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await Self.serve(connection, route: route) }
                }
            }
        }
    }

    /// Answers the requests of one connection in order (keep-alive), until the client closes
    /// it, asks to close, or the task is cancelled.
    private static func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, route: Route
    ) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var bodyBytes = 0
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    bodyBytes = 0
                case .body(let buffer):
                    bodyBytes += buffer.readableBytes
                    if bodyBytes > maxRequestBodyBytes { return }
                case .end:
                    guard let request = head else { return }
                    head = nil
                    let response: Response
                    if request.method == .GET || request.method == .HEAD {
                        let path = String(request.uri.prefix { $0 != "?" && $0 != "#" })
                        response = await route(path)
                    } else {
                        response = Response(
                            status: .methodNotAllowed, contentType: "text/plain; charset=utf-8",
                            body: Array("only GET\n".utf8))
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: response.contentType)
                    headers.add(name: "Content-Length", value: "\(response.body.count)")
                    headers.add(name: "Cache-Control", value: "no-store")
                    if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
                    try await outbound.write(
                        .head(HTTPResponseHead(version: request.version, status: response.status, headers: headers)))
                    if request.method != .HEAD {
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
                    }
                    try await outbound.write(.end(nil))
                    if !request.isKeepAlive { return }
                }
            }
        }
    }
}
