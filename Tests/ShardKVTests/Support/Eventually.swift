import Synchronization

/// Test support: a bounded wait. Polls `condition` every 5 ms until it holds, or throws
/// ``WaitTimeout`` after `limit`.
func waitUntil(
    _ what: String, within limit: Duration = .seconds(10), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimeout(what: what, limit: limit) }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// A bounded wait in a test ran out.
struct WaitTimeout: Error, CustomStringConvertible {
    let what: String
    let limit: Duration

    var description: String { "not within \(limit): \(what)" }
}

/// A one-way flag for handlers and tests to signal each other (starts closed).
final class Latch: Sendable {
    private let opened = Atomic<Bool>(false)

    func open() {
        opened.store(true, ordering: .releasing)
    }

    var isOpen: Bool { opened.load(ordering: .acquiring) }
}
