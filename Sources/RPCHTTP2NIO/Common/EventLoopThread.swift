public import NIOCore
import NIOPosix

/// One event-loop thread that a process's HTTP/2 transports and tasks share.
///
/// A replica daemon serves its clients and peers and runs its Raft peer and state machine
/// tasks on one thread: pass ``group`` to ``HTTP2ServerTransport`` and
/// ``HTTP2ClientTransport``, and ``taskExecutor`` to the components whose tasks should run
/// there. A request then goes from its connection to the service, the replicated state
/// machine and the Raft peer, and its reply back, without waking another thread (blocking
/// work, such as a write and fsync, belongs on its own thread). Call ``shutdown()`` once every
/// transport using it is closed.
public final class EventLoopThread: Sendable {
    /// A group of one loop.
    public let group: any EventLoopGroup
    /// Runs tasks on the loop's thread.
    public let taskExecutor: any TaskExecutor
    private let owned: MultiThreadedEventLoopGroup

    public init() {
        owned = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        group = owned
        taskExecutor = EventLoopTaskExecutor(loop: owned.next())
    }

    /// Stops the thread (after the transports using it closed).
    public func shutdown() async {
        try? await owned.shutdownGracefully()
    }
}
