import RPCCore

/// The request and response sizes of the interop case descriptions.
enum InteropSizes {
    static let largeRequest = 271_828
    static let largeResponse = 314_159
    static let streamingRequests = [27_182, 8, 1_828, 45_904]
    static let streamingResponses = [31_415, 9, 2_653, 58_979]
    static let aggregatedStreamingRequests = 74_922
}

extension InteropClient {
    func emptyUnary() async throws {
        let response = try await testService.emptyCall(ClientRequest(message: Empty()))
        try expect(response.message == Empty(), "EmptyCall returned a non-empty message.")
    }

    func largeUnary() async throws {
        let request = SimpleRequest(
            responseSize: Int32(InteropSizes.largeResponse), payload: .zeros(InteropSizes.largeRequest))
        let response = try await testService.unaryCall(ClientRequest(message: request))
        try expectZeros(response.message.payload, size: InteropSizes.largeResponse, "The UnaryCall response")
    }

    func clientStreaming() async throws {
        let response = try await testService.streamingInputCall(StreamingClientRequest { writer in
            for size in InteropSizes.streamingRequests {
                try await writer.write(StreamingInputCallRequest(payload: .zeros(size)))
            }
        })
        let aggregated = response.message.aggregatedPayloadSize
        try expect(
            aggregated == InteropSizes.aggregatedStreamingRequests,
            "aggregated_payload_size is \(aggregated), expected \(InteropSizes.aggregatedStreamingRequests).")
    }

    func serverStreaming() async throws {
        let request = StreamingOutputCallRequest(
            responseParameters: InteropSizes.streamingResponses.map { ResponseParameters(size: Int32($0)) })
        let payloads = try await testService.streamingOutputCall(ClientRequest(message: request)) { response in
            var payloads: [Payload?] = []
            for try await message in response.messages { payloads.append(message.payload) }
            return payloads
        }
        try expectStreamedPayloads(payloads, sizes: InteropSizes.streamingResponses)
    }

    func pingPong() async throws {
        // The request side waits for each reply before it sends the next request.
        let (replies, replied) = AsyncStream.makeStream(of: Void.self)
        let pairs = Array(zip(InteropSizes.streamingRequests, InteropSizes.streamingResponses))
        let payloads = try await testService.fullDuplexCall(StreamingClientRequest { writer in
            var replyIterator = replies.makeAsyncIterator()
            for (requestSize, responseSize) in pairs {
                try await writer.write(StreamingOutputCallRequest(
                    responseParameters: [ResponseParameters(size: Int32(responseSize))], payload: .zeros(requestSize)))
                // nil: the response side finished early; stop sending and let it report why.
                guard await replyIterator.next() != nil else { return }
            }
        }) { response in
            defer { replied.finish() }
            var payloads: [Payload?] = []
            for try await message in response.messages {
                payloads.append(message.payload)
                replied.yield()
            }
            return payloads
        }
        try expectStreamedPayloads(payloads, sizes: InteropSizes.streamingResponses)
    }

    func emptyStream() async throws {
        let count = try await testService.fullDuplexCall(StreamingClientRequest { _ in }) { response in
            var count = 0
            for try await _ in response.messages { count += 1 }
            return count
        }
        try expect(count == 0, "FullDuplexCall with no requests returned \(count) responses, expected 0.")
    }

    func customMetadata() async throws {
        let initialKey = TestServiceImplementation.echoInitialMetadataKey
        let trailingKey = TestServiceImplementation.echoTrailingMetadataKey
        let initialValue = "test_initial_metadata_value"
        let trailingValue: [UInt8] = [0xab, 0xab, 0xab]
        var metadata = Metadata()
        metadata.addString(initialValue, forKey: initialKey)
        metadata.addBinary(trailingValue, forKey: trailingKey)

        func check(initial: Metadata, trailing: Metadata, _ call: String) throws(InteropCaseFailure) {
            try expect(
                initial[stringValues: initialKey] == [initialValue],
                "\(call) initial metadata \(initialKey) is \(initial[initialKey]), expected [\(initialValue)].")
            try expect(
                trailing[binaryValues: trailingKey] == [trailingValue],
                "\(call) trailing metadata \(trailingKey) is \(trailing[trailingKey]), expected [0xababab].")
        }

        let unary = try await testService.unaryCall(ClientRequest(
            message: SimpleRequest(responseSize: Int32(InteropSizes.largeResponse), payload: .zeros(InteropSizes.largeRequest)),
            metadata: metadata))
        try expectZeros(unary.message.payload, size: InteropSizes.largeResponse, "The UnaryCall response")
        try check(initial: unary.metadata, trailing: unary.trailingMetadata, "UnaryCall")

        let request = StreamingOutputCallRequest(
            responseParameters: [ResponseParameters(size: Int32(InteropSizes.largeResponse))],
            payload: .zeros(InteropSizes.largeRequest))
        let (initial, trailing, payloads) = try await testService.fullDuplexCall(
            StreamingClientRequest(metadata: metadata) { writer in try await writer.write(request) }
        ) { response in
            var trailing = Metadata()
            var payloads: [Payload?] = []
            for try await part in response.bodyParts {
                switch part {
                case .message(let message): payloads.append(message.payload)
                case .trailingMetadata(let metadata): trailing = metadata
                }
            }
            return (response.metadata, trailing, payloads)
        }
        try expectStreamedPayloads(payloads, sizes: [InteropSizes.largeResponse])
        try check(initial: initial, trailing: trailing, "FullDuplexCall")
    }

    func statusCodeAndMessage() async throws {
        let status = EchoStatus(code: 2, message: "test status message")
        try await expectStatus(.unknown, message: status.message, "UnaryCall") {
            _ = try await testService.unaryCall(ClientRequest(message: SimpleRequest(responseStatus: status)))
        }
        try await expectStatus(.unknown, message: status.message, "FullDuplexCall") {
            try await testService.fullDuplexCall(StreamingClientRequest { writer in
                try await writer.write(StreamingOutputCallRequest(responseStatus: status))
            }) { response in
                for try await _ in response.messages {}
            }
        }
    }

    func specialStatusMessage() async throws {
        let status = EchoStatus(code: 2, message: "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n")
        try await expectStatus(.unknown, message: status.message, "UnaryCall") {
            _ = try await testService.unaryCall(ClientRequest(message: SimpleRequest(responseStatus: status)))
        }
    }

    func unimplementedMethod() async throws {
        try await expectStatus(.unimplemented, "TestService/UnimplementedCall") {
            _ = try await testService.unimplementedCall(ClientRequest(message: Empty()))
        }
    }

    func unimplementedServiceCase() async throws {
        try await expectStatus(.unimplemented, "UnimplementedService/UnimplementedCall") {
            _ = try await unimplementedService.unimplementedCall(ClientRequest(message: Empty()))
        }
    }

    func timeoutOnSleepingServer() async throws {
        let request = StreamingOutputCallRequest(
            responseParameters: [ResponseParameters(size: 31_415)], payload: .zeros(27_182))
        try await expectStatus(.deadlineExceeded, "FullDuplexCall with a 1 ms timeout") {
            try await testService.fullDuplexCall(
                StreamingClientRequest { writer in
                    // The write may already fail because the deadline passed; that is allowed.
                    try await writer.write(request)
                    // Keep the request stream open ("client waits"); the deadline ends the call.
                    try await Task.sleep(for: .seconds(20))
                },
                options: CallOptions(timeout: .milliseconds(1))
            ) { response in
                for try await _ in response.messages {}
            }
        }
    }

    func cancelAfterBegin() async throws {
        let (started, didStart) = AsyncStream.makeStream(of: Void.self)
        let testService = self.testService
        let call = Task {
            defer { didStart.finish() }
            _ = try await testService.streamingInputCall(StreamingClientRequest { _ in
                // The request metadata has been sent: the call has begun. Send nothing.
                didStart.yield()
                try await Task.sleep(for: .seconds(20))
            })
        }
        var startedIterator = started.makeAsyncIterator()
        _ = await startedIterator.next()
        call.cancel()
        try await expectStatus(.cancelled, "StreamingInputCall cancelled after it began") {
            try await call.value
        }
    }

    func cancelAfterFirstResponse() async throws {
        let (firstResponse, gotFirstResponse) = AsyncStream.makeStream(of: Void.self)
        let testService = self.testService
        let request = StreamingOutputCallRequest(
            responseParameters: [ResponseParameters(size: 31_415)], payload: .zeros(27_182))
        let call = Task {
            defer { gotFirstResponse.finish() }
            try await testService.fullDuplexCall(StreamingClientRequest { writer in
                try await writer.write(request)
                try await Task.sleep(for: .seconds(20))  // keep the request stream open
            }) { response in
                var messages = response.messages.makeAsyncIterator()
                guard let first = try await messages.next() else {
                    throw InteropCaseFailure("FullDuplexCall ended without a response.")
                }
                try expectZeros(first.payload, size: 31_415, "The first FullDuplexCall response")
                gotFirstResponse.yield()
                try await Task.sleep(for: .seconds(20))
                throw InteropCaseFailure("The call was not cancelled.")
            }
        }
        var firstIterator = firstResponse.makeAsyncIterator()
        _ = await firstIterator.next()
        call.cancel()
        try await expectStatus(.cancelled, "FullDuplexCall cancelled after the first response") {
            try await call.value
        }
    }

    /// Checks a streamed response sequence: one payload of zeros per expected size, in order.
    private func expectStreamedPayloads(_ payloads: [Payload?], sizes: [Int]) throws(InteropCaseFailure) {
        try expect(payloads.count == sizes.count, "Received \(payloads.count) responses, expected \(sizes.count).")
        for (index, (payload, size)) in zip(payloads, sizes).enumerated() {
            try expectZeros(payload, size: size, "Response \(index + 1)")
        }
    }
}
