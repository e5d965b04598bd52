/// The fault model of the labs' `labrpc` (spec 6824-tests.md §3.2), as named constants and
/// the random draws built from them. Every draw takes the network's generator, so the
/// sequence of choices is determined by the seed.
///
/// The numbers and the shape of each draw reproduce `labrpc.go` exactly: for example the
/// long-reordering delay is `200 + rand.Intn(1 + rand.Intn(2000))` ms, two nested uniform
/// draws that skew it towards short delays.
enum LabRPCPolicy {
    /// Unreliable network: a request waits uniformly 0 ... 26 ms before delivery.
    static let unreliableDelayMaxMilliseconds = 26
    /// Unreliable network: a request is lost with probability 100 / 1000.
    static let requestLossPerMille = 100
    /// Unreliable network: a reply (the handler did run) is lost with probability 100 / 1000.
    static let replyLossPerMille = 100
    /// While a handler runs, the network checks this often whether the end was disabled or
    /// the server deleted or replaced; if so the call fails without waiting for the handler.
    static let livenessCheckInterval = Duration.milliseconds(100)
    /// Long reordering: a reply is delayed with probability 600 / 900.
    static let longReorderingNumerator = 600
    static let longReorderingDenominator = 900
    /// Long reordering: a delayed reply waits 200 ms plus a skewed draw of 0 ... 1999 ms.
    static let longReorderingBaseMilliseconds = 200
    static let longReorderingSpreadMilliseconds = 2000
    /// A call that cannot be delivered fails after uniformly 0 ... 6999 ms with long delays
    /// (Raft tests: a leader must not send RPCs one after another) ...
    static let longDelayMaxMilliseconds = 6999
    /// ... and after 0 ... 99 ms otherwise (KV tests: clerks cycle through servers quickly).
    static let shortDelayMaxMilliseconds = 99

    static func unreliableDelay(using random: inout SeededRandom) -> Duration {
        .milliseconds(random.int(in: 0...unreliableDelayMaxMilliseconds))
    }

    static func losesRequest(using random: inout SeededRandom) -> Bool {
        random.int(in: 0..<1000) < requestLossPerMille
    }

    static func losesReply(using random: inout SeededRandom) -> Bool {
        random.int(in: 0..<1000) < replyLossPerMille
    }

    /// The delay of a reply under long reordering, or `nil` if this reply is not delayed.
    static func reorderingDelay(using random: inout SeededRandom) -> Duration? {
        guard random.int(in: 0..<longReorderingDenominator) < longReorderingNumerator else { return nil }
        let inner = random.int(in: 0..<longReorderingSpreadMilliseconds)
        return .milliseconds(longReorderingBaseMilliseconds + random.int(in: 0...inner))
    }

    /// How long an undeliverable call takes to fail.
    static func undeliverableDelay(longDelays: Bool, using random: inout SeededRandom) -> Duration {
        .milliseconds(random.int(in: 0...(longDelays ? longDelayMaxMilliseconds : shortDelayMaxMilliseconds)))
    }
}
