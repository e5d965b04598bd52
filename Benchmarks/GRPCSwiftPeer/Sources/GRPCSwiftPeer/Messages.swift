// Hand-written SwiftProtobuf conformances for the subset of grpc's interop
// messages (grpc/testing/messages.proto, empty.proto) used by the benchmark.
//
// Written by hand instead of generated with protoc-gen-swift so that the
// benchmark peer does not need protoc or the swift-protobuf plugin. The shape
// follows what protoc-gen-swift 1.39 emits: proto3 semantics (defaults are not
// serialized), unknown fields are preserved (the binary decoder stores fields
// that decodeMessage does not consume in `unknownFields`).

import Foundation
import SwiftProtobuf

private let protobufPackage = "grpc.testing"

// MARK: - PayloadType

/// `enum PayloadType { COMPRESSABLE = 0; }`
enum Grpc_Testing_PayloadType: SwiftProtobuf.Enum, Swift.CaseIterable {
  typealias RawValue = Int

  case compressable  // = 0
  case UNRECOGNIZED(Int)

  init() { self = .compressable }

  init?(rawValue: Int) {
    switch rawValue {
    case 0: self = .compressable
    default: self = .UNRECOGNIZED(rawValue)
    }
  }

  var rawValue: Int {
    switch self {
    case .compressable: return 0
    case .UNRECOGNIZED(let i): return i
    }
  }

  static let allCases: [Grpc_Testing_PayloadType] = [.compressable]
}

extension Grpc_Testing_PayloadType: SwiftProtobuf._ProtoNameProviding {
  static let _protobuf_nameMap = SwiftProtobuf._NameMap(bytecode: "\0\u{2}\0COMPRESSABLE\0")
}

// MARK: - Message structs

/// `message Payload { PayloadType type = 1; bytes body = 2; }`
struct Grpc_Testing_Payload: Sendable {
  var type: Grpc_Testing_PayloadType = .compressable
  var body: Data = Data()
  var unknownFields = SwiftProtobuf.UnknownStorage()
  init() {}
}

/// `message EchoStatus { int32 code = 1; string message = 2; }`
struct Grpc_Testing_EchoStatus: Sendable {
  var code: Int32 = 0
  var message: String = ""
  var unknownFields = SwiftProtobuf.UnknownStorage()
  init() {}
}

/// `message BoolValue { bool value = 1; }`
struct Grpc_Testing_BoolValue: Sendable {
  var value: Bool = false
  var unknownFields = SwiftProtobuf.UnknownStorage()
  init() {}
}

/// ```
/// message SimpleRequest {
///   PayloadType response_type = 1; int32 response_size = 2; Payload payload = 3;
///   bool fill_username = 4; bool fill_oauth_scope = 5;
///   BoolValue response_compressed = 6; EchoStatus response_status = 7;
///   BoolValue expect_compressed = 8;
/// }
/// ```
/// Later fields of the interop schema (fill_server_id, fill_grpclb_route_type,
/// orca_per_query_report) are not modelled; they are kept as unknown fields.
struct Grpc_Testing_SimpleRequest: Sendable {
  var responseType: Grpc_Testing_PayloadType = .compressable
  var responseSize: Int32 = 0
  var payload: Grpc_Testing_Payload? = nil
  var fillUsername: Bool = false
  var fillOauthScope: Bool = false
  var responseCompressed: Grpc_Testing_BoolValue? = nil
  var responseStatus: Grpc_Testing_EchoStatus? = nil
  var expectCompressed: Grpc_Testing_BoolValue? = nil
  var unknownFields = SwiftProtobuf.UnknownStorage()
  init() {}
}

/// `message SimpleResponse { Payload payload = 1; string username = 2; string oauth_scope = 3; }`
struct Grpc_Testing_SimpleResponse: Sendable {
  var payload: Grpc_Testing_Payload? = nil
  var username: String = ""
  var oauthScope: String = ""
  var unknownFields = SwiftProtobuf.UnknownStorage()
  init() {}
}

/// `message Empty {}`
struct Grpc_Testing_Empty: Sendable {
  var unknownFields = SwiftProtobuf.UnknownStorage()
  init() {}
}

// MARK: - SwiftProtobuf runtime support

extension Grpc_Testing_Payload: SwiftProtobuf.Message, SwiftProtobuf._MessageImplementationBase,
  SwiftProtobuf._ProtoNameProviding
{
  static let protoMessageName: String = protobufPackage + ".Payload"
  static let _protobuf_nameMap = SwiftProtobuf._NameMap(bytecode: "\0\u{1}type\0\u{1}body\0")

  mutating func decodeMessage<D: SwiftProtobuf.Decoder>(decoder: inout D) throws {
    while let fieldNumber = try decoder.nextFieldNumber() {
      switch fieldNumber {
      case 1: try decoder.decodeSingularEnumField(value: &self.type)
      case 2: try decoder.decodeSingularBytesField(value: &self.body)
      default: break
      }
    }
  }

  func traverse<V: SwiftProtobuf.Visitor>(visitor: inout V) throws {
    if self.type != .compressable {
      try visitor.visitSingularEnumField(value: self.type, fieldNumber: 1)
    }
    if !self.body.isEmpty {
      try visitor.visitSingularBytesField(value: self.body, fieldNumber: 2)
    }
    try self.unknownFields.traverse(visitor: &visitor)
  }

  static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.type == rhs.type && lhs.body == rhs.body && lhs.unknownFields == rhs.unknownFields
  }
}

extension Grpc_Testing_EchoStatus: SwiftProtobuf.Message, SwiftProtobuf._MessageImplementationBase,
  SwiftProtobuf._ProtoNameProviding
{
  static let protoMessageName: String = protobufPackage + ".EchoStatus"
  static let _protobuf_nameMap = SwiftProtobuf._NameMap(bytecode: "\0\u{1}code\0\u{1}message\0")

  mutating func decodeMessage<D: SwiftProtobuf.Decoder>(decoder: inout D) throws {
    while let fieldNumber = try decoder.nextFieldNumber() {
      switch fieldNumber {
      case 1: try decoder.decodeSingularInt32Field(value: &self.code)
      case 2: try decoder.decodeSingularStringField(value: &self.message)
      default: break
      }
    }
  }

  func traverse<V: SwiftProtobuf.Visitor>(visitor: inout V) throws {
    if self.code != 0 {
      try visitor.visitSingularInt32Field(value: self.code, fieldNumber: 1)
    }
    if !self.message.isEmpty {
      try visitor.visitSingularStringField(value: self.message, fieldNumber: 2)
    }
    try self.unknownFields.traverse(visitor: &visitor)
  }

  static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.code == rhs.code && lhs.message == rhs.message && lhs.unknownFields == rhs.unknownFields
  }
}

extension Grpc_Testing_BoolValue: SwiftProtobuf.Message, SwiftProtobuf._MessageImplementationBase,
  SwiftProtobuf._ProtoNameProviding
{
  static let protoMessageName: String = protobufPackage + ".BoolValue"
  static let _protobuf_nameMap = SwiftProtobuf._NameMap(bytecode: "\0\u{1}value\0")

  mutating func decodeMessage<D: SwiftProtobuf.Decoder>(decoder: inout D) throws {
    while let fieldNumber = try decoder.nextFieldNumber() {
      switch fieldNumber {
      case 1: try decoder.decodeSingularBoolField(value: &self.value)
      default: break
      }
    }
  }

  func traverse<V: SwiftProtobuf.Visitor>(visitor: inout V) throws {
    if self.value {
      try visitor.visitSingularBoolField(value: self.value, fieldNumber: 1)
    }
    try self.unknownFields.traverse(visitor: &visitor)
  }

  static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.value == rhs.value && lhs.unknownFields == rhs.unknownFields
  }
}

extension Grpc_Testing_SimpleRequest: SwiftProtobuf.Message,
  SwiftProtobuf._MessageImplementationBase, SwiftProtobuf._ProtoNameProviding
{
  static let protoMessageName: String = protobufPackage + ".SimpleRequest"
  static let _protobuf_nameMap = SwiftProtobuf._NameMap(
    bytecode:
      "\0\u{3}response_type\0\u{3}response_size\0\u{1}payload\0\u{3}fill_username\0\u{3}fill_oauth_scope\0\u{3}response_compressed\0\u{3}response_status\0\u{3}expect_compressed\0"
  )

  mutating func decodeMessage<D: SwiftProtobuf.Decoder>(decoder: inout D) throws {
    while let fieldNumber = try decoder.nextFieldNumber() {
      switch fieldNumber {
      case 1: try decoder.decodeSingularEnumField(value: &self.responseType)
      case 2: try decoder.decodeSingularInt32Field(value: &self.responseSize)
      case 3: try decoder.decodeSingularMessageField(value: &self.payload)
      case 4: try decoder.decodeSingularBoolField(value: &self.fillUsername)
      case 5: try decoder.decodeSingularBoolField(value: &self.fillOauthScope)
      case 6: try decoder.decodeSingularMessageField(value: &self.responseCompressed)
      case 7: try decoder.decodeSingularMessageField(value: &self.responseStatus)
      case 8: try decoder.decodeSingularMessageField(value: &self.expectCompressed)
      default: break
      }
    }
  }

  func traverse<V: SwiftProtobuf.Visitor>(visitor: inout V) throws {
    if self.responseType != .compressable {
      try visitor.visitSingularEnumField(value: self.responseType, fieldNumber: 1)
    }
    if self.responseSize != 0 {
      try visitor.visitSingularInt32Field(value: self.responseSize, fieldNumber: 2)
    }
    if let v = self.payload {
      try visitor.visitSingularMessageField(value: v, fieldNumber: 3)
    }
    if self.fillUsername {
      try visitor.visitSingularBoolField(value: self.fillUsername, fieldNumber: 4)
    }
    if self.fillOauthScope {
      try visitor.visitSingularBoolField(value: self.fillOauthScope, fieldNumber: 5)
    }
    if let v = self.responseCompressed {
      try visitor.visitSingularMessageField(value: v, fieldNumber: 6)
    }
    if let v = self.responseStatus {
      try visitor.visitSingularMessageField(value: v, fieldNumber: 7)
    }
    if let v = self.expectCompressed {
      try visitor.visitSingularMessageField(value: v, fieldNumber: 8)
    }
    try self.unknownFields.traverse(visitor: &visitor)
  }

  static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.responseType == rhs.responseType && lhs.responseSize == rhs.responseSize
      && lhs.payload == rhs.payload && lhs.fillUsername == rhs.fillUsername
      && lhs.fillOauthScope == rhs.fillOauthScope
      && lhs.responseCompressed == rhs.responseCompressed
      && lhs.responseStatus == rhs.responseStatus
      && lhs.expectCompressed == rhs.expectCompressed
      && lhs.unknownFields == rhs.unknownFields
  }
}

extension Grpc_Testing_SimpleResponse: SwiftProtobuf.Message,
  SwiftProtobuf._MessageImplementationBase, SwiftProtobuf._ProtoNameProviding
{
  static let protoMessageName: String = protobufPackage + ".SimpleResponse"
  static let _protobuf_nameMap = SwiftProtobuf._NameMap(
    bytecode: "\0\u{1}payload\0\u{1}username\0\u{3}oauth_scope\0"
  )

  mutating func decodeMessage<D: SwiftProtobuf.Decoder>(decoder: inout D) throws {
    while let fieldNumber = try decoder.nextFieldNumber() {
      switch fieldNumber {
      case 1: try decoder.decodeSingularMessageField(value: &self.payload)
      case 2: try decoder.decodeSingularStringField(value: &self.username)
      case 3: try decoder.decodeSingularStringField(value: &self.oauthScope)
      default: break
      }
    }
  }

  func traverse<V: SwiftProtobuf.Visitor>(visitor: inout V) throws {
    if let v = self.payload {
      try visitor.visitSingularMessageField(value: v, fieldNumber: 1)
    }
    if !self.username.isEmpty {
      try visitor.visitSingularStringField(value: self.username, fieldNumber: 2)
    }
    if !self.oauthScope.isEmpty {
      try visitor.visitSingularStringField(value: self.oauthScope, fieldNumber: 3)
    }
    try self.unknownFields.traverse(visitor: &visitor)
  }

  static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.payload == rhs.payload && lhs.username == rhs.username
      && lhs.oauthScope == rhs.oauthScope && lhs.unknownFields == rhs.unknownFields
  }
}

extension Grpc_Testing_Empty: SwiftProtobuf.Message, SwiftProtobuf._MessageImplementationBase,
  SwiftProtobuf._ProtoNameProviding
{
  static let protoMessageName: String = protobufPackage + ".Empty"
  static let _protobuf_nameMap = SwiftProtobuf._NameMap()

  mutating func decodeMessage<D: SwiftProtobuf.Decoder>(decoder: inout D) throws {
    // Everything goes to unknown fields.
    while try decoder.nextFieldNumber() != nil {}
  }

  func traverse<V: SwiftProtobuf.Visitor>(visitor: inout V) throws {
    try self.unknownFields.traverse(visitor: &visitor)
  }

  static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.unknownFields == rhs.unknownFields
  }
}
