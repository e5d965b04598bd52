import Logging
import Raft
import Synchronization
import Testing

@testable import RaftRuntime

/// The operator's log of a Raft peer: one line per change, none for a repeat.
struct RaftEventLogTests {
    /// Keeps every line logged through it.
    final class Capture: Sendable {
        let lines = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])

        var logger: Logger {
            Logger(label: "test") { _ in CaptureHandler(capture: self) }
        }
        var messages: [String] { lines.withLock { $0.map(\.message) } }
    }

    struct CaptureHandler: LogHandler {
        let capture: Capture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.lines.withLock { $0.append((event.level, "\(event.message)", event.metadata ?? [:])) }
        }
    }

    @Test func termRoleAndLeaderChangesAreLoggedOnce() {
        let capture = Capture()
        var log = RaftEventLog(logger: capture.logger, term: 3)
        log.observe(term: 3, softState: nil)
        #expect(capture.messages.isEmpty, "an unchanged term is not an event")
        log.observe(term: 4, softState: SoftState(leader: 0, role: .candidate))
        log.observe(term: 4, softState: SoftState(leader: 2, role: .follower))
        log.observe(term: nil, softState: SoftState(leader: 2, role: .follower))
        #expect(capture.messages == ["term changed", "role changed", "role changed", "leader changed"])
        let first = capture.lines.withLock { $0[0] }
        #expect(first.level == .notice && first.metadata["term"] == "4" && first.metadata["previous-term"] == "3")
        let leader = capture.lines.withLock { $0[3].metadata }
        #expect(leader["leader"] == "2" && leader["term"] == "4")
    }

    @Test func aNewKnownLeaderIsCountedOnceWithOrWithoutALogger() {
        for logger in [Capture().logger, nil] {
            var log = RaftEventLog(logger: logger, term: 1)
            #expect(log.observe(term: 2, softState: SoftState(leader: 0, role: .candidate)) == false)
            #expect(log.observe(term: nil, softState: SoftState(leader: 3, role: .follower)) == true)
            #expect(log.observe(term: nil, softState: SoftState(leader: 3, role: .follower)) == false)
            // Losing the leader is no change to count; the same leader known again neither.
            #expect(log.observe(term: 3, softState: SoftState(leader: 0, role: .preCandidate)) == false)
            #expect(log.observe(term: nil, softState: SoftState(leader: 3, role: .follower)) == false)
            #expect(log.observe(term: 4, softState: SoftState(leader: 1, role: .leader)) == true)
        }
    }

    @Test func aPreVoteAndItsReturnAreDebugLines() {
        let capture = Capture()
        var log = RaftEventLog(logger: capture.logger, term: 2)
        log.observe(term: nil, softState: SoftState(leader: 0, role: .preCandidate))
        log.observe(term: nil, softState: SoftState(leader: 0, role: .follower))
        log.observe(term: 3, softState: SoftState(leader: 0, role: .candidate))
        let lines = capture.lines.withLock { $0 }
        #expect(lines.map(\.message) == ["role changed", "role changed", "term changed", "role changed"])
        #expect(lines.map(\.level) == [.debug, .debug, .notice, .notice])
    }

    @Test func anOutageIsOneWarningAndOneRecovery() {
        let capture = Capture()
        var log = RaftEventLog(logger: capture.logger, term: 1)
        struct Refused: Error {}
        log.stepFailed(to: 2, error: Refused())
        log.stepFailed(to: 2, error: Refused())
        log.stepFailed(to: 3, error: Refused())
        log.stepAnswered(by: 2)
        log.stepAnswered(by: 2)
        #expect(capture.messages == ["peer unreachable", "peer unreachable", "peer reachable again"])
        #expect(capture.lines.withLock { $0.map(\.level) } == [.warning, .warning, .notice])
    }

    @Test func snapshotsAndStoreFailureCarryTheirFacts() {
        let capture = Capture()
        let log = RaftEventLog(logger: capture.logger, term: 7)
        log.snapshotTaken(index: 40, bytes: 1_000)
        log.snapshotInstalled(index: 90, snapshotTerm: 6, bytes: 2_000)
        log.storeFailed(.corrupt(reason: "test"))
        let lines = capture.lines.withLock { $0 }
        #expect(lines.map(\.message) == ["snapshot taken", "snapshot installed", "storage failed; the peer stops"])
        #expect(lines.map(\.level) == [.info, .info, .error])
        #expect(lines[0].metadata["index"] == "40" && lines[0].metadata["bytes"] == "1000")
        #expect(lines[1].metadata["snapshot-term"] == "6" && lines[1].metadata["term"] == "7")
    }
}
