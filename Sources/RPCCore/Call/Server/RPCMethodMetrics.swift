public import CoreMetrics

/// One registered method's server-side metrics, recorded by ``RPCRouter`` for every call it
/// dispatches (so every service and transport gets them, from one place):
///
/// - `skv_rpc_server_handled_total{method, code}`: calls finished, by gRPC status code;
/// - `skv_rpc_server_handling_seconds{method, code}`: their latency (a swift-metrics `Timer`:
///   a histogram under the Prometheus backend), from the call's first part to its status.
///
/// The handles of status `OK` (nearly every call: domain outcomes are reply values) are made
/// once at registration, so the hot path costs one counter increment and one timer record; a
/// call ending in another status looks its handles up in the metrics factory (a lock), which
/// only errors pay. Without a bootstrapped metrics system both are no-ops.
public struct RPCMethodMetrics: Sendable {
    /// Label of the call counter.
    public static let handledLabel = "skv_rpc_server_handled_total"
    /// Label of the latency timer.
    public static let handlingLabel = "skv_rpc_server_handling_seconds"

    private let method: String
    private let okCalls: Counter
    private let okLatency: Timer

    public init(_ descriptor: MethodDescriptor) {
        method = descriptor.description
        let dimensions = Self.dimensions(method: method, code: .ok)
        okCalls = Counter(label: Self.handledLabel, dimensions: dimensions)
        okLatency = Timer(label: Self.handlingLabel, dimensions: dimensions, preferredDisplayUnit: .seconds)
    }

    /// Records one finished call with status `code` that took `duration`.
    public func record(_ code: Status.Code, after duration: Duration) {
        if code == .ok {
            okCalls.increment()
            okLatency.recordDuration(duration)
            return
        }
        let dimensions = Self.dimensions(method: method, code: code)
        Counter(label: Self.handledLabel, dimensions: dimensions).increment()
        Timer(label: Self.handlingLabel, dimensions: dimensions, preferredDisplayUnit: .seconds)
            .recordDuration(duration)
    }

    private static func dimensions(method: String, code: Status.Code) -> [(String, String)] {
        [("method", method), ("code", code.description)]
    }
}
