import Testing

@testable import Raft

/// `Config.validate()` rejects every invalid limit with a typed error naming the field, and
/// `RaftNode.init` refuses a node that is not a voter in its storage.
@Suite struct ConfigTests {
    @Test func defaultsAreValid() throws {
        let config = Config(id: 1)
        try config.validate()
        #expect(config.preVote)
        #expect(config.checkQuorum)
        #expect(config.readOnlyOption == .safe)
    }

    static func with(_ mutate: (inout Config) -> Void) -> Config {
        var config = Config(id: 1)
        mutate(&config)
        return config
    }

    static let invalidConfigs: [(Config, ConfigError)] = [
        (with { $0.id = 0 }, .invalidID),
        (
            with { $0.heartbeatIntervalTicks = 0 },
            .nonPositive(field: "heartbeatIntervalTicks", value: 0)
        ),
        (
            with {
                $0.electionTimeoutTicks = 1; $0.heartbeatIntervalTicks = 1
            },
            .electionTimeoutNotAboveHeartbeat(electionTimeoutTicks: 1, heartbeatIntervalTicks: 1)
        ),
        (
            with { $0.maxEntriesBytesPerAppend = 0 },
            .nonPositive(field: "maxEntriesBytesPerAppend", value: 0)
        ),
        (
            with { $0.maxCommittedEntriesBytesPerReady = -1 },
            .nonPositive(field: "maxCommittedEntriesBytesPerReady", value: -1)
        ),
        (
            with { $0.maxPendingReadIndexRequests = 0 },
            .nonPositive(field: "maxPendingReadIndexRequests", value: 0)
        ),
        (with { $0.maxInflightAppends = 0 }, .nonPositive(field: "maxInflightAppends", value: 0)),
        (
            with { $0.maxUncommittedEntriesBytes = 0 },
            .nonPositive(field: "maxUncommittedEntriesBytes", value: 0)
        ),
    ]

    @Test(arguments: invalidConfigs)
    func invalidConfigIsRejected(config: Config, expected: ConfigError) {
        #expect(throws: expected) { try config.validate() }
        #expect(throws: expected) {
            _ = try RaftNode(config: config, storage: MemoryStorage(voters: [0, 1]))
        }
    }

    @Test func nodeMustBeAVoter() {
        #expect(throws: ConfigError.notAVoter(id: 4, voters: [1, 2, 3])) {
            _ = try RaftNode(config: Config(id: 4), storage: MemoryStorage(voters: [1, 2, 3]))
        }
    }
}
