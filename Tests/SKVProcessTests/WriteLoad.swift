/// Concurrent clients putting unique keys through the `skv kv` CLI until stopped; records
/// which puts were acknowledged (exit 0) and how many failed or timed out (outcome unknown).
actor WriteLoad {
    private let endpoints: String
    private(set) var acknowledged: [String: String] = [:]
    private(set) var unknown = 0
    private var running = true

    init(endpoints: String) { self.endpoints = endpoints }

    /// Runs `clients` clients until ``stop()``; each puts `prefix-cC-N = vN` one at a time.
    func run(clients: Int, prefix: String) async {
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask { await self.runClient("\(prefix)-c\(client)") }
            }
        }
    }

    func stop() { running = false }

    private func runClient(_ name: String) async {
        var n = 0
        while running {
            let key = "\(name)-\(n)"
            let value = "v\(n)"
            let put = try? await SKVBinary.run(
                ["kv", "put", key, value, "--endpoints", endpoints, "--timeout", "20"], within: .seconds(30))
            if put?.status == 0 { acknowledged[key] = value } else { unknown += 1 }
            n += 1
        }
    }
}
