// swift-tools-version:6.1
import PackageDescription

let raftSwiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-skv-raft",
    products: [
        .library(name: "Raft", targets: ["Raft"])
    ],
    targets: [
        // Pure, sans-I/O consensus core. Standard library only: no imports at all.
        .target(
            name: "Raft",
            path: "Sources/Raft",
            swiftSettings: raftSwiftSettings
        ),
        .testTarget(
            name: "RaftTests",
            dependencies: ["Raft"],
            path: "Tests/RaftTests",
            swiftSettings: raftSwiftSettings
        ),
    ]
)
