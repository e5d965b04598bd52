import NIOCore

/// A connection's ``CallDeadlines`` and the one timer on its event loop that enforces them.
/// Owned by a connection handler (client or server) and used on its loop only.
struct DeadlineTimer {
    private var deadlines = CallDeadlines()
    private var scheduled: Scheduled<Void>?

    /// Adds call `token`'s deadline, first dropping ended calls' entries if they pile up
    /// (`liveCalls` and `isLive`: see ``CallDeadlines/compactIfLarge(liveCalls:isLive:)``). If it
    /// is now the earliest, the timer is armed on `loop` to run `fire` (made only then).
    mutating func add(
        _ token: UInt64, deadline: ContinuousClock.Instant, liveCalls: Int, isLive: (UInt64) -> Bool,
        on loop: any EventLoop, fire: @autoclosure () -> (@Sendable () -> Void)
    ) {
        deadlines.compactIfLarge(liveCalls: liveCalls, isLive: isLive)
        if let fireAt = deadlines.add(token, deadline: deadline) { arm(at: fireAt, on: loop, fire: fire()) }
    }

    /// The armed timer fired: re-arms it for the next deadline and returns the tokens whose
    /// deadline passed, earliest first (calls that ended meanwhile among them: the caller skips
    /// those).
    mutating func fired(on loop: any EventLoop, fire: @autoclosure () -> (@Sendable () -> Void)) -> [UInt64] {
        scheduled = nil
        var expired: [UInt64] = []
        if let next = deadlines.fired(now: ContinuousClock.now, expired: &expired) {
            arm(at: next, on: loop, fire: fire())
        }
        return expired
    }

    /// The connection closed: the timer is cancelled and every deadline forgotten.
    mutating func cancel() {
        scheduled?.cancel()
        scheduled = nil
        deadlines.removeAll()
    }

    private mutating func arm(
        at instant: ContinuousClock.Instant, on loop: any EventLoop, fire: @escaping @Sendable () -> Void
    ) {
        scheduled?.cancel()
        scheduled = loop.scheduleTask(in: .nanoseconds((instant - ContinuousClock.now).nanoseconds), fire)
    }
}
