import RPCCore

/// Builds and reads the header blocks of gRPC over HTTP/2 (request headers, response headers,
/// trailers), including the metadata encoding: `-bin` values are base64 on the wire.
enum GRPCHeaders {
    static let contentType = "application/grpc"

    /// Header names the transport owns; they never appear in user metadata.
    static let reserved: [String] = [
        "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding",
        "grpc-status", "grpc-message", "grpc-status-details-bin", "content-length",
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host",
    ]

    /// Whether `name` is a pseudo-header or a ``reserved`` name: not user metadata. Compared
    /// byte-wise, length first (a `Set` would hash every field's name on every call).
    static func isTransportField(_ name: String) -> Bool {
        let bytes = name.utf8
        if bytes.first == UInt8(ascii: ":") { return true }
        let count = bytes.count
        for candidate in reserved where candidate.utf8.count == count && candidate == name { return true }
        return false
    }

    /// Appends user metadata as header fields, dropping reserved and pseudo-header keys.
    static func append(_ metadata: Metadata, to fields: inout [HeaderField]) {
        for (key, value) in metadata where !isTransportField(key) {
            switch value {
            case .string(let s): fields.append(HeaderField(key, s))
            case .binary(let b): fields.append(HeaderField(key, Base64.encode(b)))
            }
        }
    }

    /// Extracts user metadata from header fields. Fails on a `-bin` value that is not base64.
    static func metadata(from fields: [HeaderField]) -> Result<Metadata, RPCError> {
        var metadata = Metadata()
        for field in fields where !isTransportField(field.name) {
            if field.name.hasSuffix("-bin") {
                guard let bytes = Base64.decode(field.value) else {
                    return .failure(RPCError(code: .internal, message: "Metadata '\(field.name)' is not valid base64."))
                }
                metadata.add(.binary(bytes), forKey: field.name)
            } else {
                metadata.add(.string(field.value), forKey: field.name)
            }
        }
        return .success(metadata)
    }

    static func value(_ name: String, in fields: [HeaderField]) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// The request header fields that are the same on every call of `descriptor` through one
    /// connection (a client caches them per method: ``HeaderBlock``).
    static func requestFixedFields(
        descriptor: MethodDescriptor, authority: String, userAgent: String
    ) -> [HeaderField] {
        [
            HeaderField(":method", "POST"),
            HeaderField(":scheme", "http"),
            HeaderField(":path", descriptor.path),
            HeaderField(":authority", authority),
            HeaderField("content-type", contentType),
            HeaderField("te", "trailers"),
            HeaderField("user-agent", userAgent),
        ]
    }

    /// The request header fields of one call after the fixed ones: its deadline and metadata.
    static func requestCallFields(timeout: Duration?, metadata: Metadata) -> [HeaderField] {
        guard timeout != nil || !metadata.isEmpty else { return [] }
        var fields: [HeaderField] = []
        fields.reserveCapacity(1 + metadata.count)
        if let timeout { fields.append(HeaderField("grpc-timeout", GRPCTimeout.encode(timeout))) }
        append(metadata, to: &fields)
        return fields
    }

    static func responseHeaders(_ metadata: Metadata) -> [HeaderField] {
        var fields = [HeaderField(":status", "200"), HeaderField("content-type", contentType)]
        append(metadata, to: &fields)
        return fields
    }

    static func trailers(_ status: Status, _ metadata: Metadata) -> [HeaderField] {
        var fields = [HeaderField("grpc-status", String(status.code.rawValue))]
        if !status.message.isEmpty {
            fields.append(HeaderField("grpc-message", PercentEncoding.encode(status.message)))
        }
        append(metadata, to: &fields)
        return fields
    }

    /// A response that is only a header block: `:status`, content type and the status.
    static func trailersOnly(_ status: Status, _ metadata: Metadata, httpStatus: Int = 200, extra: [HeaderField] = []) -> [HeaderField] {
        [HeaderField(":status", String(httpStatus)), HeaderField("content-type", contentType)] + extra + trailers(status, metadata)
    }

    /// Reads the status from trailers (or a trailers-only response).
    static func status(from fields: [HeaderField]) -> Status {
        guard let raw = value("grpc-status", in: fields) else {
            return Status(code: .unknown, message: "The server's trailers carried no grpc-status.")
        }
        guard let code = Int(raw) else {
            return Status(code: .unknown, message: "Malformed grpc-status '\(raw)'.")
        }
        let message = value("grpc-message", in: fields).map(PercentEncoding.decode) ?? ""
        return Status(wireCode: code, message: message)
    }

    /// The gRPC status for a non-200 HTTP status, per gRPC's HTTP-to-gRPC mapping.
    static func status(forHTTPStatus httpStatus: Int) -> Status {
        let code: Status.Code
        switch httpStatus {
        case 400: code = .internal
        case 401: code = .unauthenticated
        case 403: code = .permissionDenied
        case 404: code = .unimplemented
        case 429, 502, 503, 504: code = .unavailable
        default: code = .unknown
        }
        return Status(code: code, message: "Unexpected HTTP status \(httpStatus).")
    }

    /// The gRPC status for a stream reset with an HTTP/2 error code before any status arrived.
    static func status(forResetCode errorCode: UInt32) -> Status {
        switch errorCode {
        case 0: return Status(code: .internal, message: "The stream closed without a status.")
        case 7: return Status(code: .unavailable, message: "The server refused the stream (REFUSED_STREAM).")
        case 8: return Status(code: .cancelled, message: "The stream was cancelled (CANCEL).")
        case 11: return Status(code: .resourceExhausted, message: "The server asked us to slow down (ENHANCE_YOUR_CALM).")
        case 12: return Status(code: .permissionDenied, message: "INADEQUATE_SECURITY.")
        default: return Status(code: .internal, message: "The stream was reset with HTTP/2 error code \(errorCode).")
        }
    }
}
