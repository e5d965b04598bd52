/// An injected clock (`any Clock<Duration>`: `ContinuousClock` in a daemon, a simulation's
/// virtual clock in a deterministic test) read as the time elapsed since this value was made,
/// so a deadline can be stored as a `Duration` without knowing the clock's `Instant` type.
package struct ElapsedClock: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    package init(_ clock: any Clock<Duration>) {
        self = Self.make(clock)
    }

    private init(elapsed: @escaping @Sendable () -> Duration, sleeper: @escaping @Sendable (Duration) async throws -> Void) {
        self.elapsed = elapsed
        self.sleeper = sleeper
    }

    private static func make<C: Clock<Duration>>(_ clock: C) -> ElapsedClock {
        let start = clock.now
        return ElapsedClock(
            elapsed: { start.duration(to: clock.now) }, sleeper: { try await clock.sleep(for: $0) })
    }

    /// Time elapsed on the clock since this value was made.
    package var now: Duration { elapsed() }

    /// Sleeps `duration` on the clock; throws if the task is cancelled.
    package func sleep(for duration: Duration) async throws {
        try await sleeper(duration)
    }
}
