// swift-tools-version:6.1
//
// Benchmark comparison peer: a grpc-swift-2 implementation of the
// grpc.testing.TestService subset used by Scripts/bench-rpc.sh.
//
// This is a standalone package. It is NOT a dependency of the swift-skv
// product and the root Package.swift must never reference it.

import PackageDescription

let package = Package(
  name: "GRPCSwiftPeer",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "grpc-swift-peer", targets: ["GRPCSwiftPeer"])
  ],
  dependencies: [
    .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
  ],
  targets: [
    .executableTarget(
      name: "GRPCSwiftPeer",
      dependencies: [
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      swiftSettings: [
        .swiftLanguageMode(.v6)
      ]
    )
  ]
)
