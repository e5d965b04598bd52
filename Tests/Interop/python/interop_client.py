#!/usr/bin/env python3
"""Runs the standard gRPC interop cases with grpcio against a grpc.testing.TestService server.

Usage: interop_client.py --host H --port N [--test-case NAME|all]
Prints one line per case, "PASS name" or "FAIL name: reason", and exits non-zero if any case
failed. Cases follow grpc/grpc doc/interop-test-descriptions.md and match the Swift client in
Sources/Interop/Cases/.
"""

import argparse
import os
import queue
import sys

import grpc

import interop_stubs
from case_runner import CaseFailure, expect, run_cases

empty_pb2, messages_pb2, test_pb2_grpc = interop_stubs.load()

LARGE_REQUEST = 271828
LARGE_RESPONSE = 314159
STREAMING_REQUESTS = [27182, 8, 1828, 45904]
STREAMING_RESPONSES = [31415, 9, 2653, 58979]
ECHO_INITIAL = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
ECHO_TRAILING = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
CASE_TIMEOUT_SECONDS = 30


def expect_zeros(payload, size, what):
    expect(len(payload.body) == size, f"{what} payload is {len(payload.body)} bytes, expected {size}")
    expect(payload.body == bytes(size), f"{what} payload is not all zeros")


def expect_status(error, code, message=None, what="call"):
    expect(isinstance(error, grpc.RpcError), f"{what} raised {error!r}, expected status {code.name}")
    expect(error.code() == code, f"{what} failed with {error.code()} ({error.details()!r}), expected {code.name}")
    if message is not None:
        expect(error.details() == message, f"{what} status message is {error.details()!r}, expected {message!r}")


def zeros(size):
    return messages_pb2.Payload(body=bytes(size))


class Pipe:
    """A request iterator fed from another thread; close() ends the request stream."""

    _END = object()

    def __init__(self):
        self._queue = queue.Queue()

    def add(self, request):
        self._queue.put(request)

    def close(self):
        self._queue.put(self._END)

    def __iter__(self):
        return self

    def __next__(self):
        item = self._queue.get()
        if item is self._END:
            raise StopIteration
        return item


def empty_unary(stub, channel):
    response = stub.EmptyCall(empty_pb2.Empty())
    expect(isinstance(response, empty_pb2.Empty), f"EmptyCall returned {type(response)}")


def large_unary(stub, channel):
    response = stub.UnaryCall(messages_pb2.SimpleRequest(response_size=LARGE_RESPONSE, payload=zeros(LARGE_REQUEST)))
    expect_zeros(response.payload, LARGE_RESPONSE, "UnaryCall response")


def client_streaming(stub, channel):
    requests = (messages_pb2.StreamingInputCallRequest(payload=zeros(size)) for size in STREAMING_REQUESTS)
    response = stub.StreamingInputCall(requests)
    expect(response.aggregated_payload_size == 74922,
           f"aggregated_payload_size is {response.aggregated_payload_size}, expected 74922")


def check_streamed(responses, sizes):
    expect(len(responses) == len(sizes), f"received {len(responses)} responses, expected {len(sizes)}")
    for index, (response, size) in enumerate(zip(responses, sizes)):
        expect_zeros(response.payload, size, f"response {index + 1}")


def server_streaming(stub, channel):
    request = messages_pb2.StreamingOutputCallRequest(
        response_parameters=[messages_pb2.ResponseParameters(size=size) for size in STREAMING_RESPONSES])
    check_streamed(list(stub.StreamingOutputCall(request)), STREAMING_RESPONSES)


def ping_pong(stub, channel):
    pipe = Pipe()
    call = stub.FullDuplexCall(pipe)
    try:
        responses = []
        for request_size, response_size in zip(STREAMING_REQUESTS, STREAMING_RESPONSES):
            pipe.add(messages_pb2.StreamingOutputCallRequest(
                response_parameters=[messages_pb2.ResponseParameters(size=response_size)],
                payload=zeros(request_size)))
            responses.append(next(call))
        pipe.close()
        expect(next(call, None) is None, "FullDuplexCall sent more responses than requested")
        check_streamed(responses, STREAMING_RESPONSES)
    finally:
        pipe.close()


def empty_stream(stub, channel):
    responses = list(stub.FullDuplexCall(iter([])))
    expect(len(responses) == 0, f"FullDuplexCall with no requests returned {len(responses)} responses")


def check_echoed(call, what):
    initial = [(k, v) for k, v in call.initial_metadata() if k == ECHO_INITIAL[0]]
    trailing = [(k, v) for k, v in call.trailing_metadata() if k == ECHO_TRAILING[0]]
    expect(initial == [ECHO_INITIAL], f"{what} initial metadata {initial}, expected [{ECHO_INITIAL}]")
    expect(trailing == [ECHO_TRAILING], f"{what} trailing metadata {trailing}, expected [{ECHO_TRAILING}]")


def custom_metadata(stub, channel):
    metadata = (ECHO_INITIAL, ECHO_TRAILING)
    response, call = stub.UnaryCall.with_call(
        messages_pb2.SimpleRequest(response_size=LARGE_RESPONSE, payload=zeros(LARGE_REQUEST)), metadata=metadata)
    expect_zeros(response.payload, LARGE_RESPONSE, "UnaryCall response")
    check_echoed(call, "UnaryCall")

    request = messages_pb2.StreamingOutputCallRequest(
        response_parameters=[messages_pb2.ResponseParameters(size=LARGE_RESPONSE)], payload=zeros(LARGE_REQUEST))
    call = stub.FullDuplexCall(iter([request]), metadata=metadata)
    responses = list(call)
    check_streamed(responses, [LARGE_RESPONSE])
    check_echoed(call, "FullDuplexCall")


def status_code_and_message(stub, channel):
    status = messages_pb2.EchoStatus(code=2, message="test status message")
    try:
        stub.UnaryCall(messages_pb2.SimpleRequest(response_status=status))
        raise CaseFailure("UnaryCall succeeded, expected UNKNOWN")
    except grpc.RpcError as error:
        expect_status(error, grpc.StatusCode.UNKNOWN, status.message, "UnaryCall")
    try:
        list(stub.FullDuplexCall(iter([messages_pb2.StreamingOutputCallRequest(response_status=status)])))
        raise CaseFailure("FullDuplexCall succeeded, expected UNKNOWN")
    except grpc.RpcError as error:
        expect_status(error, grpc.StatusCode.UNKNOWN, status.message, "FullDuplexCall")


def special_status_message(stub, channel):
    status = messages_pb2.EchoStatus(code=2, message=SPECIAL_MESSAGE)
    try:
        stub.UnaryCall(messages_pb2.SimpleRequest(response_status=status))
        raise CaseFailure("UnaryCall succeeded, expected UNKNOWN")
    except grpc.RpcError as error:
        expect_status(error, grpc.StatusCode.UNKNOWN, SPECIAL_MESSAGE, "UnaryCall")


def unimplemented_method(stub, channel):
    try:
        stub.UnimplementedCall(empty_pb2.Empty())
        raise CaseFailure("TestService/UnimplementedCall succeeded, expected UNIMPLEMENTED")
    except grpc.RpcError as error:
        expect_status(error, grpc.StatusCode.UNIMPLEMENTED, what="TestService/UnimplementedCall")


def unimplemented_service(stub, channel):
    try:
        test_pb2_grpc.UnimplementedServiceStub(channel).UnimplementedCall(empty_pb2.Empty())
        raise CaseFailure("UnimplementedService/UnimplementedCall succeeded, expected UNIMPLEMENTED")
    except grpc.RpcError as error:
        expect_status(error, grpc.StatusCode.UNIMPLEMENTED, what="UnimplementedService/UnimplementedCall")


def timeout_on_sleeping_server(stub, channel):
    pipe = Pipe()
    try:
        call = stub.FullDuplexCall(pipe, timeout=0.001)
        pipe.add(messages_pb2.StreamingOutputCallRequest(
            response_parameters=[messages_pb2.ResponseParameters(size=31415)], payload=zeros(27182)))
        try:
            for _ in call:
                pass
            raise CaseFailure("FullDuplexCall with a 1 ms timeout succeeded, expected DEADLINE_EXCEEDED")
        except grpc.RpcError as error:
            expect_status(error, grpc.StatusCode.DEADLINE_EXCEEDED, what="FullDuplexCall with a 1 ms timeout")
    finally:
        pipe.close()


def cancel_after_begin(stub, channel):
    pipe = Pipe()
    try:
        future = stub.StreamingInputCall.future(pipe)
        future.cancel()
        expect(future.cancelled(), "StreamingInputCall future was not cancelled")
        expect(future.code() == grpc.StatusCode.CANCELLED, f"StreamingInputCall ended with {future.code()}, expected CANCELLED")
    finally:
        pipe.close()


def cancel_after_first_response(stub, channel):
    pipe = Pipe()
    try:
        call = stub.FullDuplexCall(pipe)
        pipe.add(messages_pb2.StreamingOutputCallRequest(
            response_parameters=[messages_pb2.ResponseParameters(size=31415)], payload=zeros(27182)))
        expect_zeros(next(call).payload, 31415, "first FullDuplexCall response")
        call.cancel()
        try:
            next(call)
            raise CaseFailure("FullDuplexCall continued after cancellation")
        except grpc.RpcError as error:
            expect_status(error, grpc.StatusCode.CANCELLED, what="FullDuplexCall cancelled after the first response")
    finally:
        pipe.close()


CASES = {
    "empty_unary": empty_unary,
    "large_unary": large_unary,
    "client_streaming": client_streaming,
    "server_streaming": server_streaming,
    "ping_pong": ping_pong,
    "empty_stream": empty_stream,
    "custom_metadata": custom_metadata,
    "status_code_and_message": status_code_and_message,
    "special_status_message": special_status_message,
    "unimplemented_method": unimplemented_method,
    "unimplemented_service": unimplemented_service,
    "timeout_on_sleeping_server": timeout_on_sleeping_server,
    "cancel_after_begin": cancel_after_begin,
    "cancel_after_first_response": cancel_after_first_response,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--test-case", default="all", choices=["all"] + list(CASES))
    parser.add_argument("--tls-ca", help="TLS: PEM CA certificates the server's certificate must chain to")
    parser.add_argument("--tls-cert", help="TLS: PEM client certificate chain to present")
    parser.add_argument("--tls-key", help="TLS: PEM private key of --tls-cert")
    args = parser.parse_args()

    names = list(CASES) if args.test_case == "all" else [args.test_case]
    target = f"{args.host}:{args.port}"
    if args.tls_ca:
        def read(path):
            with open(path, "rb") as f:
                return f.read()
        credentials = grpc.ssl_channel_credentials(
            read(args.tls_ca),
            read(args.tls_key) if args.tls_key else None,
            read(args.tls_cert) if args.tls_cert else None)
        channel = grpc.secure_channel(target, credentials)
    else:
        channel = grpc.insecure_channel(target)
    stub = test_pb2_grpc.TestServiceStub(channel)
    failures = run_cases(CASES, names, CASE_TIMEOUT_SECONDS, stub, channel)
    print(f"{len(names) - failures} of {len(names)} interop cases passed", flush=True)
    sys.stdout.flush()
    # A case that timed out may leave a thread blocked inside grpc; do not wait for it.
    os._exit(1 if failures else 0)


if __name__ == "__main__":
    main()
