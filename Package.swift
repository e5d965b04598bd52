// swift-tools-version:6.1
import PackageDescription

/// Settings every target uses (architecture.md, "House style").
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-skv-wal",
    products: [
        .library(name: "DurableStorage", targets: ["DurableStorage"]),
        .executable(name: "wal-bench", targets: ["WALBench"]),
    ],
    targets: [
        // Write-ahead log, atomic snapshot store and hard-state file. Depends on nothing but
        // Glibc, and knows no Raft types: records are opaque bytes with a type tag and a
        // caller-chosen 64-bit sequence number.
        .target(
            name: "DurableStorage",
            swiftSettings: swiftSettings
        ),
        // Throughput probe: 1 KiB records in batches of 1/16/64, one sync per batch.
        .executableTarget(
            name: "WALBench",
            dependencies: ["DurableStorage"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DurableStorageTests",
            dependencies: ["DurableStorage"],
            swiftSettings: swiftSettings
        ),
    ]
)
