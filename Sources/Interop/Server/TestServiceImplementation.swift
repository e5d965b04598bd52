public import RPCCore

/// The standard interop server behaviour of `grpc.testing.TestService`, as described in
/// grpc/grpc `doc/interop-test-descriptions.md` ("Server" section).
///
/// - `EmptyCall` returns an empty message.
/// - `UnaryCall` returns `response_size` zero bytes; fails with `response_status` if its code
///   is not 0; rejects `expect_compressed = true` with `INVALID_ARGUMENT` (this framework has no
///   message compression, so such a request cannot have been compressed).
/// - `StreamingOutputCall` sends one response per `ResponseParameters`, sleeping `interval_us`
///   before each.
/// - `StreamingInputCall` answers with the sum of the request payload sizes after half-close.
/// - `FullDuplexCall` answers each request as it arrives; `HalfDuplexCall` buffers every request
///   until half-close, then answers them in order. Both end the call with a request's
///   `response_status` (code not 0) as soon as that request is processed.
/// - Echo metadata (unary and both duplex calls): the request's `x-grpc-test-echo-initial`
///   values come back as initial metadata and its `x-grpc-test-echo-trailing-bin` values as
///   trailing metadata (also on a failing status).
///
/// Limits: a payload larger than ``maxPayloadBytes`` is refused with `RESOURCE_EXHAUSTED`;
/// negative sizes and intervals with `INVALID_ARGUMENT`. Stateless, hence `Sendable`.
public struct TestServiceImplementation: TestServiceProtocol {
    /// Metadata key echoed as initial metadata.
    public static let echoInitialMetadataKey = "x-grpc-test-echo-initial"
    /// Metadata key echoed as trailing metadata.
    public static let echoTrailingMetadataKey = "x-grpc-test-echo-trailing-bin"

    /// The largest response payload the server builds, in bytes.
    public let maxPayloadBytes: Int

    /// - Parameter maxPayloadBytes: must be positive (default 16 MiB, far above the 314159
    ///   bytes the largest interop case asks for).
    public init(maxPayloadBytes: Int = 16 << 20) {
        precondition(maxPayloadBytes > 0, "maxPayloadBytes must be positive, got \(maxPayloadBytes)")
        self.maxPayloadBytes = maxPayloadBytes
    }

    public func emptyCall(request: ServerRequest<Empty>, context: ServerContext) async throws -> ServerResponse<Empty> {
        ServerResponse(message: Empty())
    }

    public func unaryCall(
        request: ServerRequest<SimpleRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<SimpleResponse> {
        let trailing = Self.echoedTrailingMetadata(of: request.metadata)
        let message = request.message
        try Self.throwRequestedStatus(message.responseStatus, trailing: trailing)
        if message.expectCompressed?.value == true {
            throw RPCError(
                code: .invalidArgument, message: "Expected a compressed request, but this server does not support compression.")
        }
        let payload = try makePayload(type: message.responseType, size: message.responseSize)
        return ServerResponse(
            metadata: Self.echoedInitialMetadata(of: request.metadata),
            message: SimpleResponse(payload: payload),
            trailingMetadata: trailing)
    }

    public func streamingOutputCall(
        request: ServerRequest<StreamingOutputCallRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<StreamingOutputCallResponse> {
        let message = request.message
        try Self.throwRequestedStatus(message.responseStatus, trailing: [:])
        return StreamingServerResponse { writer in
            try await respond(to: message, with: writer)
            return [:]
        }
    }

    public func streamingInputCall(
        request: StreamingServerRequest<StreamingInputCallRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<StreamingInputCallResponse> {
        var total = 0
        for try await message in request.messages {
            total += message.payload?.body.count ?? 0
            guard total <= Int32.max else {
                throw RPCError(code: .outOfRange, message: "The aggregated payload size exceeds Int32.max.")
            }
        }
        return ServerResponse(message: StreamingInputCallResponse(aggregatedPayloadSize: Int32(total)))
    }

    public func fullDuplexCall(
        request: StreamingServerRequest<StreamingOutputCallRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<StreamingOutputCallResponse> {
        let trailing = Self.echoedTrailingMetadata(of: request.metadata)
        return StreamingServerResponse(metadata: Self.echoedInitialMetadata(of: request.metadata)) { writer in
            for try await message in request.messages {
                try Self.throwRequestedStatus(message.responseStatus, trailing: trailing)
                try await respond(to: message, with: writer)
            }
            return trailing
        }
    }

    public func halfDuplexCall(
        request: StreamingServerRequest<StreamingOutputCallRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<StreamingOutputCallResponse> {
        let trailing = Self.echoedTrailingMetadata(of: request.metadata)
        return StreamingServerResponse(metadata: Self.echoedInitialMetadata(of: request.metadata)) { writer in
            var buffered: [StreamingOutputCallRequest] = []
            for try await message in request.messages { buffered.append(message) }
            for message in buffered {
                try Self.throwRequestedStatus(message.responseStatus, trailing: trailing)
                try await respond(to: message, with: writer)
            }
            return trailing
        }
    }

    /// Writes one response per `ResponseParameters` of `request`, sleeping before each.
    private func respond(
        to request: StreamingOutputCallRequest,
        with writer: RPCWriter<StreamingOutputCallResponse>
    ) async throws {
        for parameters in request.responseParameters {
            guard parameters.intervalMicroseconds >= 0 else {
                throw RPCError(code: .invalidArgument, message: "Negative interval_us \(parameters.intervalMicroseconds).")
            }
            if parameters.intervalMicroseconds > 0 {
                try await Task.sleep(for: .microseconds(Int64(parameters.intervalMicroseconds)))
            }
            let payload = try makePayload(type: request.responseType, size: parameters.size)
            try await writer.write(StreamingOutputCallResponse(payload: payload))
        }
    }

    private func makePayload(type: PayloadType, size: Int32) throws(RPCError) -> Payload {
        guard type == .compressable else {
            throw RPCError(code: .invalidArgument, message: "Unsupported payload type \(type).")
        }
        guard size >= 0 else {
            throw RPCError(code: .invalidArgument, message: "Negative response size \(size).")
        }
        guard Int(size) <= maxPayloadBytes else {
            throw RPCError(
                code: .resourceExhausted, message: "Response size \(size) exceeds the limit of \(maxPayloadBytes) bytes.")
        }
        return .zeros(Int(size))
    }

    /// Throws the status a request asks for (`response_status` with a non-zero code).
    private static func throwRequestedStatus(_ status: EchoStatus?, trailing: Metadata) throws(RPCError) {
        guard let status, status.code != 0 else { return }
        throw RPCError(
            code: Status(wireCode: Int(status.code), message: status.message).code,
            message: status.message,
            metadata: trailing)
    }

    static func echoedInitialMetadata(of metadata: Metadata) -> Metadata {
        echoed(echoInitialMetadataKey, of: metadata)
    }

    static func echoedTrailingMetadata(of metadata: Metadata) -> Metadata {
        echoed(echoTrailingMetadataKey, of: metadata)
    }

    private static func echoed(_ key: String, of metadata: Metadata) -> Metadata {
        var echoed = Metadata()
        for value in metadata[key] { echoed.add(value, forKey: key) }
        return echoed
    }
}
