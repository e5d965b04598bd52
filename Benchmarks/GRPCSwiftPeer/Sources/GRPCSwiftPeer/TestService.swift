// Hand-written gRPC service registration for `grpc.testing.TestService`
// (the EmptyCall and UnaryCall methods only), equivalent to what
// protoc-gen-grpc-swift-2 would generate for a simple unary service.

import Foundation
import GRPCCore
import GRPCProtobuf

enum TestServiceDescriptors {
  static let service = "grpc.testing.TestService"
  static let emptyCall = MethodDescriptor(
    fullyQualifiedService: service,
    method: "EmptyCall",
    type: .unary
  )
  static let unaryCall = MethodDescriptor(
    fullyQualifiedService: service,
    method: "UnaryCall",
    type: .unary
  )
}

struct TestService: RegistrableRPCService {
  func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    router.registerHandler(
      forMethod: TestServiceDescriptors.emptyCall,
      deserializer: ProtobufDeserializer<Grpc_Testing_Empty>(),
      serializer: ProtobufSerializer<Grpc_Testing_Empty>(),
      handler: { request, context in
        let single = try await ServerRequest(stream: request)
        return StreamingServerResponse(single: try self.emptyCall(single))
      }
    )
    router.registerHandler(
      forMethod: TestServiceDescriptors.unaryCall,
      deserializer: ProtobufDeserializer<Grpc_Testing_SimpleRequest>(),
      serializer: ProtobufSerializer<Grpc_Testing_SimpleResponse>(),
      handler: { request, context in
        let single = try await ServerRequest(stream: request)
        return StreamingServerResponse(single: try self.unaryCall(single))
      }
    )
  }

  func emptyCall(_ request: ServerRequest<Grpc_Testing_Empty>) throws -> ServerResponse<Grpc_Testing_Empty> {
    ServerResponse(message: Grpc_Testing_Empty())
  }

  func unaryCall(
    _ request: ServerRequest<Grpc_Testing_SimpleRequest>
  ) throws -> ServerResponse<Grpc_Testing_SimpleResponse> {
    let message = request.message

    if let status = message.responseStatus, status.code != 0 {
      // Map the requested status code; values outside the gRPC range become UNKNOWN.
      let code =
        Status.Code(rawValue: Int(status.code)).flatMap { RPCError.Code($0) } ?? .unknown
      throw RPCError(code: code, message: status.message)
    }

    guard message.responseSize >= 0 else {
      throw RPCError(code: .invalidArgument, message: "response_size must be >= 0")
    }

    var payload = Grpc_Testing_Payload()
    payload.type = .compressable
    payload.body = Data(count: Int(message.responseSize))

    var response = Grpc_Testing_SimpleResponse()
    response.payload = payload
    return ServerResponse(message: response)
  }
}
