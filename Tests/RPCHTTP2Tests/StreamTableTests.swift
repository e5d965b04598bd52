@testable import RPCHTTP2
import Simulation
import Testing

/// `StreamTable` against `Dictionary`: the same answers after any sequence of insertions,
/// updates and removals, through growth and through runs of colliding keys that wrap around
/// the end of the table.
struct StreamTableTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomOperationsAgreeWithADictionary(seed: UInt64) {
        print("StreamTableTests seed \(seed)")
        var random = SeededRandom(seed: seed)
        var table = StreamTable<Int32, Int>(seed: random.next())
        var reference: [Int32: Int] = [:]
        // A small key range (many removals of present keys, long probe runs) or a connection's
        // odd, increasing stream ids with a window of live ones.
        let sequential = seed % 2 == 0
        var nextID: Int32 = 1
        for step in 0..<20_000 {
            let key: Int32
            if sequential {
                key = random.next() % 3 == 0 ? nextID : max(1, nextID - 2 * Int32(random.next() % 200))
                if key == nextID { nextID += 2 }
            } else {
                key = Int32(random.next() % 300) + 1
            }
            switch random.next() % 4 {
            case 0, 1:
                table[key] = step
                reference[key] = step
            case 2:
                #expect(table.removeValue(forKey: key) == reference.removeValue(forKey: key))
            default:
                let updated = table.update(key) { value -> Int in
                    value += 1
                    return value
                }
                if reference[key] != nil { reference[key]! += 1 }
                #expect(updated == reference[key])
            }
            #expect(table[key] == reference[key])
            #expect(table.count == reference.count)
        }
        for (key, value) in reference { #expect(table[key] == value) }
        #expect(Set(table.allKeys) == Set(reference.keys))
        for key in table.allKeys { table[key] = nil }
        #expect(table.isEmpty && table.allKeys.isEmpty)
    }

    @Test func collidingKeysAcrossTheEndOfTheTableStayReachableAfterRemovals() {
        var table = StreamTable<UInt64, String>(seed: 42)
        // Five keys whose home is the last slot: their run wraps around to slots 0…3.
        let last = StreamTable<UInt64, String>.initialCapacity - 1
        let colliding = Array((UInt64(1)...100_000).filter { table.home($0) == last }.prefix(5))
        // And one whose home is slot 1, inside that run.
        let inside = (UInt64(1)...100_000).first { table.home($0) == 1 }!
        #expect(colliding.count == 5)
        for key in colliding + [inside] { table[key] = "\(key)" }
        #expect(table.count == 6)
        // Removing from the middle of the run shifts later entries back, not past their home.
        table[colliding[1]] = nil
        table[colliding[3]] = nil
        for key in [colliding[0], colliding[2], colliding[4], inside] { #expect(table[key] == "\(key)") }
        #expect(table[colliding[1]] == nil && table[colliding[3]] == nil)
        #expect(table.count == 4)
        table.removeAll()
        #expect(table.isEmpty && table[inside] == nil)
        table[inside] = "again"
        #expect(table[inside] == "again" && table.count == 1)
    }

    @Test func growsPastItsFirstSizeAndKeepsEveryEntry() {
        var table = StreamTable<Int32, Int32>()
        let ids = stride(from: Int32(1), through: 2_001, by: 2)
        for id in ids { table[id] = id * 3 }
        #expect(table.count == ids.underestimatedCount)
        for id in ids { #expect(table[id] == id * 3) }
        #expect(table[2] == nil && table[2_003] == nil)
    }

    /// What the owners' `@exclusivity(unchecked)` gives up, debug builds still catch: the table
    /// touched again from inside its own `update`.
    @Test func usingTheTableInsideItsUpdateTrapsInDebugBuilds() async {
        #if DEBUG
        await #expect(processExitsWith: .failure) {
            final class Owner {
                @exclusivity(unchecked) var table = StreamTable<Int32, Int>()
            }
            let owner = Owner()
            owner.table[1] = 1
            owner.table.update(1) { value in value = owner.table[1] ?? 0 }
        }
        #endif
    }
}
