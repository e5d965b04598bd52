// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-skv",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "RPCCore", targets: ["RPCCore"]),
        .library(name: "RPCHTTP2NIO", targets: ["RPCHTTP2NIO"]),
        .library(name: "RPCInProcess", targets: ["RPCInProcess"]),
        .library(name: "RSM", targets: ["RSM"]),
        .library(name: "KVRaft", targets: ["KVRaft"]),
        .library(name: "ShardController", targets: ["ShardController"]),
        .library(name: "ShardKV", targets: ["ShardKV"]),
        .executable(name: "skv-rpc-interop", targets: ["RPCInterop"]),
        .executable(name: "wal-bench", targets: ["WALBench"]),
        .executable(name: "connection-bench", targets: ["ConnectionBench"]),
        .executable(name: "raft-bench", targets: ["RaftBench"]),
        .executable(name: "skv", targets: ["SKV"]),
        .library(name: "MapReduce", targets: ["MapReduce"]),
        .library(name: "MapReduceApps", targets: ["MapReduceApps"]),
        .executable(name: "mrcoordinator", targets: ["MRCoordinator"]),
        .executable(name: "mrworker", targets: ["MRWorker"]),
        .executable(name: "mrsequential", targets: ["MRSequential"]),
        // An example MapReduce application built as a plugin (`mrworker path/to/lib….so`).
        .library(name: "MapReduceExamplePlugin", type: .dynamic, targets: ["MapReduceExamplePlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // C layer: each library wrapped once, imported only by the modules that need it.
        .systemLibrary(name: "CNGHTTP2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "CProtobufC", pkgConfig: "libprotobuf-c", providers: [.apt(["libprotobuf-c-dev"])]),
        // The `skv` executable's allocator and its options (see `Sources/SKV/Allocator.swift`).
        .systemLibrary(name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])]),
        .target(name: "JemallocConfiguration"),
        .target(name: "CProtos", dependencies: ["CProtobufC"]),

        // Latency percentiles of the benchmarks (one HdrHistogram wrapper).
        .target(
            name: "BenchSupport", dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: swiftSettings),
        .testTarget(name: "BenchSupportTests", dependencies: ["BenchSupport"], swiftSettings: swiftSettings),

        // Durable storage: write-ahead log, atomic snapshot store, hard-state file (Glibc only;
        // records are opaque bytes, so it knows no Raft types).
        .target(name: "DurableStorage", swiftSettings: swiftSettings),
        .executableTarget(
            name: "WALBench", dependencies: ["DurableStorage", "BenchSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "DurableStorageTests", dependencies: ["DurableStorage"], swiftSettings: swiftSettings),

        // Raft: a pure, sans-I/O consensus core (standard library only).
        .target(name: "Raft", swiftSettings: swiftSettings),
        .testTarget(name: "RaftTests", dependencies: ["Raft"], swiftSettings: swiftSettings),

        // Linearizability checking (Porcupine-style), standard library only.
        .target(name: "Linearizability", swiftSettings: swiftSettings),
        .testTarget(name: "LinearizabilityTests", dependencies: ["Linearizability"], swiftSettings: swiftSettings),

        // Raft driver: runs a RaftNode over the RPC framework with pluggable persistence.
        .target(
            name: "RaftRuntime",
            dependencies: [
                "Raft", "RPCCore", "RPCProtobuf", "CProtos", "CProtobufC", "DurableStorage",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "RaftBench",
            dependencies: [
                "RaftRuntime", "DurableStorage", "RPCCore", "RPCInProcess", "RPCHTTP2NIO", "BenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RaftRuntimeTests",
            dependencies: [
                "RaftRuntime", "Raft", "RPCCore", "RPCInProcess", "RPCProtobuf", "Simulation", "DurableStorage",
                "RPCHTTP2NIO", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),

        // Replicated state machine layer (submit-and-wait, client sessions, snapshots) and the
        // KV service on top of it (6.824 Lab 3).
        .target(
            name: "RSM",
            dependencies: [
                "Raft", "RaftRuntime", "RPCCore", "RPCProtobuf", "CProtos", "CProtobufC",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RSMTests", dependencies: ["RSM", "Raft", "RaftRuntime", "RPCProtobuf", "Simulation"],
            swiftSettings: swiftSettings),
        .target(
            name: "KVRaft", dependencies: ["RSM", "RaftRuntime", "RPCCore", "RPCProtobuf", "CProtos", "CProtobufC"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "KVRaftTests",
            dependencies: [
                "KVRaft", "RSM", "RaftRuntime", "RPCCore", "RPCProtobuf", "Simulation", "Linearizability", "LabHarness",
            ],
            swiftSettings: swiftSettings),

        // The shard controller (6.824 Lab 4A): the configuration service of the sharded KV.
        .target(
            name: "ShardController",
            dependencies: [
                "RSM", "RPCCore", "RPCProtobuf", "CProtos", "CProtobufC",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ShardControllerTests",
            dependencies: [
                "ShardController", "RSM", "RaftRuntime", "RPCCore", "RPCProtobuf", "Simulation", "LabHarness",
            ],
            swiftSettings: swiftSettings),

        // Sharded KV (Lab 4B): the deterministic shard state machine (ownership, migration,
        // garbage collection, per-shard de-duplication).
        .target(
            name: "ShardKV",
            dependencies: [
                "ShardController", "RSM", "RaftRuntime", "RPCCore", "RPCProtobuf", "CProtos", "CProtobufC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ShardKVTests",
            dependencies: [
                "ShardKV", "ShardController", "RSM", "Raft", "RaftRuntime", "RPCCore", "RPCProtobuf", "Simulation",
                "LabHarness", "Linearizability",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),

        // The `skv` daemon and CLI: `skv kv serve` runs one replica of the KV group over HTTP/2
        // with a data directory; `skv kv get|put|append|delete|status` talk to the group.
        .executableTarget(
            name: "SKV",
            dependencies: [
                "KVRaft", "RSM", "RaftRuntime", "RPCCore", "RPCHTTP2", "RPCHTTP2NIO", "Linearizability",
                "ShardController", "ShardKV", "BenchSupport", "Raft", "DurableStorage", "CJemalloc",
                "JemallocConfiguration",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings),
        // Process-level tests of the `skv` binary (build it first: `swift build --product skv`).
        .testTarget(
            name: "SKVProcessTests",
            dependencies: [
                "KVRaft", "Linearizability", "Raft", "RaftRuntime", "RPCCore", "RPCHTTP2NIO", "RPCTestSupport",
                "ShardController", "ShardKV",
            ],
            swiftSettings: swiftSettings),

        // RPC framework.
        .target(
            name: "RPCCore", dependencies: [.product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: swiftSettings),
        .target(name: "RPCInProcess", dependencies: ["RPCCore"], swiftSettings: swiftSettings),
        .target(name: "RPCProtobuf", dependencies: ["RPCCore", "CProtobufC"], swiftSettings: swiftSettings),
        .target(name: "RPCHTTP2", dependencies: ["RPCCore", "CNGHTTP2"], swiftSettings: swiftSettings),
        .target(
            name: "RPCHTTP2NIO",
            dependencies: [
                "RPCCore", "RPCHTTP2",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        // The HTTP/2 protocol layer's CPU per unary call, sans I/O (see its main.swift).
        .executableTarget(name: "ConnectionBench", dependencies: ["RPCCore", "RPCHTTP2"], swiftSettings: swiftSettings),

        // gRPC interoperability: the grpc.testing services and the standard interop cases.
        .target(name: "Interop", dependencies: ["RPCCore", "RPCProtobuf", "CProtos", "CProtobufC"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "RPCInterop",
            dependencies: [
                "Interop", "RPCCore", "RPCInProcess", "RPCHTTP2NIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        .target(name: "RPCTestSupport", dependencies: ["RPCCore"], swiftSettings: swiftSettings),

        // Simulated labrpc network, persister and seeded randomness for the lab test clusters.
        .target(name: "Simulation", dependencies: ["RPCCore"], swiftSettings: swiftSettings),
        // The lab harness shared by the Lab 3, 4A and 4B suites (the labs' config.go): replica
        // groups of Raft servers on one simulated network, make_end, seeds, the 120-s limit,
        // checklogs. Test support only (no `Testing` import).
        .target(
            name: "LabHarness",
            dependencies: ["Simulation", "Raft", "RaftRuntime", "RSM", "RPCCore", "Linearizability", "DurableStorage"],
            path: "Tests/LabHarness", swiftSettings: swiftSettings),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "RPCCore", "RPCTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RPCCoreTests", dependencies: ["RPCCore", "RPCInProcess", "RPCTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RPCHTTP2Tests", dependencies: ["RPCHTTP2", "RPCCore", "Simulation"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RPCHTTP2NIOTests",
            dependencies: [
                "RPCHTTP2NIO", "RPCHTTP2", "RPCCore", "RPCTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        // Test-only glibc heap statistics (mallinfo2) for the leak check.
        .target(name: "CMallocStats", path: "Tests/CMallocStats"),
        .testTarget(
            name: "RPCProtobufTests", dependencies: ["RPCCore", "RPCProtobuf", "Interop", "CMallocStats"],
            swiftSettings: swiftSettings),
        .testTarget(name: "InteropTests", dependencies: ["RPCCore", "RPCInProcess", "Interop"], swiftSettings: swiftSettings),

        // MapReduce (6.824 Lab 1): coordinator state machine, worker loop, app protocol + stubs;
        // the lab's applications; the three executables the lab's shell harness drives.
        .target(name: "MapReduce", dependencies: ["RPCCore", "RPCProtobuf", "CProtos", "CProtobufC"], swiftSettings: swiftSettings),
        .target(name: "MapReduceApps", dependencies: ["MapReduce"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "MRCoordinator",
            dependencies: ["MapReduce", "RPCCore", "RPCHTTP2NIO", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "MRWorker",
            dependencies: [
                "MapReduce", "MapReduceApps", "RPCCore", "RPCHTTP2NIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "MRSequential",
            dependencies: ["MapReduce", "MapReduceApps", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings),
        .target(
            name: "MapReduceExamplePlugin", dependencies: ["MapReduce"], path: "Examples/MapReduceExamplePlugin",
            swiftSettings: swiftSettings),
        // Fuzz targets (Scripts/fuzz.sh builds this with libFuzzer; a plain build makes the seed
        // writer and crash replayer `SKVFuzz`): protobuf-c decoders, the HTTP/2 server input path,
        // DiskRaftStore recovery.
        .executableTarget(
            name: "SKVFuzz",
            dependencies: [
                "DurableStorage", "KVRaft", "MapReduce", "RPCCore", "RPCHTTP2", "RPCProtobuf", "RSM", "Raft",
                "RaftRuntime", "ShardController", "ShardKV",
            ],
            path: "Fuzz/SKVFuzz", swiftSettings: swiftSettings),
        .testTarget(
            name: "MapReduceTests", dependencies: ["MapReduce", "MapReduceApps", "RPCCore", "RPCInProcess"],
            swiftSettings: swiftSettings),
    ]
)
