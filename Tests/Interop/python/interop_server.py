#!/usr/bin/env python3
"""grpc.testing.TestService with the standard interop server behaviour, served by grpcio.

Usage: interop_server.py --port N [--host 127.0.0.1]
Prints "listening on HOST:PORT" once bound (--port 0 picks a free port), serves until SIGINT
or SIGTERM. Behaviour matches Sources/Interop/Server/TestServiceImplementation.swift.
"""

import argparse
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

import interop_stubs

empty_pb2, messages_pb2, test_pb2_grpc = interop_stubs.load()

ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"
MAX_PAYLOAD_BYTES = 16 << 20
STATUS_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}


def echo_metadata(context):
    """Sends the echo-initial values as initial metadata and sets echo-trailing as trailers."""
    metadata = context.invocation_metadata()
    initial = tuple((k, v) for k, v in metadata if k == ECHO_INITIAL_KEY)
    trailing = tuple((k, v) for k, v in metadata if k == ECHO_TRAILING_KEY)
    if initial:
        context.send_initial_metadata(initial)
    if trailing:
        context.set_trailing_metadata(trailing)


def abort_if_requested(status, context):
    if status is not None and status.code != 0:
        code = STATUS_BY_NUMBER.get(status.code, grpc.StatusCode.UNKNOWN)
        context.abort(code, status.message)


def make_payload(size, context):
    if size < 0:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"Negative response size {size}.")
    if size > MAX_PAYLOAD_BYTES:
        context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, f"Response size {size} exceeds the limit.")
    return messages_pb2.Payload(body=bytes(size))


def responses_for(request, context):
    for parameters in request.response_parameters:
        if parameters.interval_us > 0:
            time.sleep(parameters.interval_us / 1e6)
        yield messages_pb2.StreamingOutputCallResponse(payload=make_payload(parameters.size, context))


class TestService(test_pb2_grpc.TestServiceServicer):
    def EmptyCall(self, request, context):
        return empty_pb2.Empty()

    def UnaryCall(self, request, context):
        echo_metadata(context)
        abort_if_requested(request.response_status if request.HasField("response_status") else None, context)
        if request.HasField("expect_compressed") and request.expect_compressed.value:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "Compressed requests are not supported.")
        return messages_pb2.SimpleResponse(payload=make_payload(request.response_size, context))

    def StreamingOutputCall(self, request, context):
        abort_if_requested(request.response_status if request.HasField("response_status") else None, context)
        yield from responses_for(request, context)

    def StreamingInputCall(self, request_iterator, context):
        total = sum(len(request.payload.body) for request in request_iterator)
        return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def FullDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        for request in request_iterator:
            abort_if_requested(request.response_status if request.HasField("response_status") else None, context)
            yield from responses_for(request, context)

    def HalfDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        for request in list(request_iterator):
            abort_if_requested(request.response_status if request.HasField("response_status") else None, context)
            yield from responses_for(request, context)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-cert", help="TLS: PEM server certificate chain (with --tls-key)")
    parser.add_argument("--tls-key", help="TLS: PEM private key of --tls-cert")
    parser.add_argument("--tls-ca", help="TLS: PEM CA certificates that client certificates must chain to")
    args = parser.parse_args()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    test_pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)
    if args.tls_cert:
        def read(path):
            with open(path, "rb") as f:
                return f.read()
        credentials = grpc.ssl_server_credentials(
            [(read(args.tls_key), read(args.tls_cert))],
            root_certificates=read(args.tls_ca) if args.tls_ca else None,
            require_client_auth=bool(args.tls_ca))
        port = server.add_secure_port(f"{args.host}:{args.port}", credentials)
    else:
        port = server.add_insecure_port(f"{args.host}:{args.port}")
    if port == 0:
        sys.exit(f"could not bind {args.host}:{args.port}")
    server.start()
    print(f"listening on {args.host}:{port}", flush=True)

    stopped = threading.Event()

    def stop(signum, frame):
        stopped.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    stopped.wait()
    server.stop(grace=2).wait()


if __name__ == "__main__":
    main()
