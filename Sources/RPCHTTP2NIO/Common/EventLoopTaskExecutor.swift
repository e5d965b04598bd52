import NIOCore

/// Runs Swift tasks on a NIO event loop's thread.
///
/// Handler tasks of a connection (server) and calls made through a connection (client) prefer
/// this executor, so the hops between a task and its connection's loop (writing parts,
/// receiving responses) stay on one thread instead of waking a thread of the cooperative
/// pool each time. Work that awaits other executors (actors, other loops) still moves there.
/// Handlers must not block: a blocked task blocks the connection's I/O.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
