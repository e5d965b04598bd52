import MapReduce
import Testing

/// FNV-1a 32-bit against published vectors, and the lab's bucket function on top of it.
@Suite struct FNV1aTests {
    @Test(arguments: [
        ("", UInt32(0x811c_9dc5)),
        ("a", 0xe40c_292c),
        ("foobar", 0xbf9c_f968),
        ("chongo was here!\n", 0xd499_30d5),
    ])
    func publishedVectors(input: String, expected: UInt32) {
        #expect(FNV1a.hash32(input) == expected)
    }

    @Test func bucketMasksTheSignBitBeforeTheModulus() {
        // 0xbf9cf968 has the top bit set: masked to 0x3f9cf968 = 1067252072.
        #expect(KeyPartitioner.reduceTask(forKey: "foobar", reduceCount: 10) == 1_067_252_072 % 10)
        #expect(KeyPartitioner.reduceTask(forKey: "a", reduceCount: 10) == Int(0x640c_292c) % 10)
    }

    @Test func bucketsAreInRange() {
        for word in ["the", "of", "Gutenberg", "é", "日本"] {
            #expect((0..<7).contains(KeyPartitioner.reduceTask(forKey: word, reduceCount: 7)))
        }
    }
}
