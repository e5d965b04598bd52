import NIOCore

/// The PING keepalive of one connection: every interval it asks for a PING to be sent and
/// arms a timeout that fires unless ``acknowledged()`` is called first.
///
/// Thread confinement: created, used and cancelled on the connection's event loop.
final class KeepaliveTimer {
    private var repeated: RepeatedTask?
    private var awaitingAck: Scheduled<Void>?

    /// Starts the timer. `sendPing` and `onTimeout` run on `loop`.
    func start(
        on loop: any EventLoop, configuration: KeepaliveConfiguration,
        sendPing: @escaping () -> Void, onTimeout: @escaping () -> Void
    ) {
        precondition(repeated == nil, "keepalive started twice")
        let actions = NIOLoopBound((self, sendPing, onTimeout), eventLoop: loop)
        let interval = TimeAmount.nanoseconds(configuration.interval.nanoseconds)
        let timeout = TimeAmount.nanoseconds(configuration.timeout.nanoseconds)
        repeated = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (timer, sendPing, _) = actions.value
            guard timer.awaitingAck == nil else { return }
            sendPing()
            timer.awaitingAck = loop.scheduleTask(in: timeout) {
                let (timer, _, onTimeout) = actions.value
                timer.awaitingAck = nil
                onTimeout()
            }
        }
    }

    /// The peer acknowledged a PING.
    func acknowledged() {
        awaitingAck?.cancel()
        awaitingAck = nil
    }

    func cancel() {
        repeated?.cancel()
        repeated = nil
        acknowledged()
    }
}
