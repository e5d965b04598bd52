import Linearizability
import Testing

/// The partition harness's pure parts (no root needed): the seeded schedule, the nft rules a
/// fault set becomes, and the run report's arithmetic.
@Suite("PartitionHarnessTests")
struct PartitionHarnessTests {
    @Test func scheduleIsAFunctionOfTheSeedAndCoversEveryKind() {
        let a = FaultSchedule(seed: 42, count: 14, hostCount: 3)
        let b = FaultSchedule(seed: 42, count: 14, hostCount: 3)
        let c = FaultSchedule(seed: 43, count: 14, hostCount: 3)
        #expect(a.description == b.description)
        #expect(a.description != c.description)
        let kinds = FaultSchedule.Kind.injectable
        #expect(Set(a.faults.prefix(kinds.count).map(\.kind)) == Set(kinds))
        #expect(Set(a.faults.suffix(14 - kinds.count).map(\.kind)).isSubset(of: Set(kinds)))
        #expect(a.faults.allSatisfy {
            FaultSchedule.slowLinkRateKbit.contains($0.slowLinkRateKbit)
                && FaultSchedule.slowLinkLatencyMilliseconds.contains($0.slowLinkLatencyMilliseconds)
        })
        #expect(a.faults.allSatisfy { $0.kind != .leaderCut || $0.targetsLeader })
        #expect(a.faults.allSatisfy { (1..<3).contains($0.offset) && (0..<3).contains($0.host) })
        let withoutKills = FaultSchedule(seed: 42, count: 12, hostCount: 3, kinds: [.pause, .bridge])
        #expect(Set(withoutKills.faults.map(\.kind)) == [.pause, .bridge])
    }

    @Test func faultsBecomeInputRulesOfTheReceivingHost() {
        let addresses = ["10.77.9.1", "10.77.9.2", "10.77.9.3"]
        var faults = NetworkFaults(hostCount: 3)
        #expect(faults.isHealed && (0..<3).allSatisfy { faults.inputRules(of: $0, addresses: addresses).isEmpty })
        faults.isolate(0)
        #expect(
            faults.inputRules(of: 0, addresses: addresses) == ["ip saddr 10.77.9.2 drop", "ip saddr 10.77.9.3 drop"])
        #expect(faults.inputRules(of: 1, addresses: addresses) == ["ip saddr 10.77.9.1 drop"])
        faults.heal()
        faults.drop(from: 2, to: 1, percent: 25)
        #expect(
            faults.inputRules(of: 1, addresses: addresses) == ["ip saddr 10.77.9.3 numgen random mod 100 < 25 drop"])
        #expect(faults.inputRules(of: 2, addresses: addresses).isEmpty)
        #expect(faults.description == "h3->h2 25% lost")
    }

    @Test func reportCountsOutcomesAndTheLongestGapWithoutAnAcknowledgement() {
        typealias Operation = StressWorkload.Operation
        let ops = [
            Operation(clientID: 0, input: .put(key: "k", value: "a"), call: 0, output: .done, return: 1_000),
            Operation(clientID: 1, input: .get(key: "k"), call: 500, output: nil, return: nil),
            Operation(clientID: 1, input: .append(key: "k", value: "b"), call: 1_500, output: nil, return: nil),
            Operation(clientID: 0, input: .get(key: "k"), call: 1_200, output: .value("a"), return: 5_000),
            Operation(clientID: 0, input: .get(key: "k"), call: 5_100, output: .value("a"), return: 5_500),
        ]
        let report = PartitionRunReport(ops, loadFrom: 0, to: 9_000)
        #expect((report.ok, report.failed, report.unknown) == (3, 1, 1))
        #expect(report.longestUnavailability == 4_000 && report.longestUnavailabilityStart == 1_000)
    }
}
