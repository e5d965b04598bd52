@testable import Simulation
import Testing

/// The random draws of the fault model, checked over many samples: bounds are exact, rates
/// fall in broad bands (bounded, not timed).
@Suite struct LabRPCPolicyTests {
    let samples = 20_000

    func random(_ test: String = #function) -> SeededRandom {
        let seed = UInt64.random(in: .min ... .max)
        print("SimulationTests.\(test) seed=\(seed)")
        return SeededRandom(seed: seed)
    }

    @Test func unreliableDelayIsZeroTo26Milliseconds() {
        var random = random()
        let delays = (0..<samples).map { _ in LabRPCPolicy.unreliableDelay(using: &random) }
        #expect(delays.min() == .zero)
        #expect(delays.max() == .milliseconds(26))
    }

    @Test func lossesAreTenPercent() {
        var random = random()
        let requests = (0..<samples).filter { _ in LabRPCPolicy.losesRequest(using: &random) }.count
        let replies = (0..<samples).filter { _ in LabRPCPolicy.losesReply(using: &random) }.count
        #expect((1_700...2_300).contains(requests), "\(requests)")
        #expect((1_700...2_300).contains(replies), "\(replies)")
    }

    @Test func reorderingDelaysTwoThirdsBy200To2199Milliseconds() {
        var random = random()
        let delays = (0..<samples).map { _ in LabRPCPolicy.reorderingDelay(using: &random) }
        let delayed = delays.compactMap { $0 }
        #expect((12_600...14_000).contains(delayed.count), "\(delayed.count)")
        #expect(delayed.allSatisfy { $0 >= .milliseconds(200) && $0 <= .milliseconds(2199) })
        // U(0..U(0..1999)) is skewed towards short delays: its mean is about 500 ms.
        let meanMilliseconds = delayed.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }
            .reduce(0, +) / Double(delayed.count)
        #expect((650.0...750.0).contains(meanMilliseconds), "\(meanMilliseconds)")
    }

    @Test func undeliverableDelayDependsOnLongDelays() {
        var random = random()
        let short = (0..<samples).map { _ in LabRPCPolicy.undeliverableDelay(longDelays: false, using: &random) }
        let long = (0..<samples).map { _ in LabRPCPolicy.undeliverableDelay(longDelays: true, using: &random) }
        #expect(short.min() == .zero && short.max() == .milliseconds(99))
        #expect(long.min()! < .milliseconds(10) && long.max()! > .milliseconds(6_900))
        #expect(long.max()! <= .milliseconds(6_999))
    }
}
