"""Fixtures of the skv-client tests: real daemons (tests/daemons.py) from $SKV_BIN, a time
limit per test (SKV_TEST_SECONDS, default 120 s), and the daemons' last log lines added to the
report of a test that failed."""

import os
import signal

import pytest

from daemons import KVCluster, ShardCluster

TEST_SECONDS = int(os.environ.get("SKV_TEST_SECONDS", "120"))


@pytest.fixture(scope="module")
def kv_cluster(tmp_path_factory):
    cluster = KVCluster(tmp_path_factory.mktemp("kv"))
    try:
        cluster.stable_leader()
        yield cluster
    finally:
        cluster.stop_all()


@pytest.fixture(scope="module")
def shard_cluster(tmp_path_factory):
    """Controllers and groups 1 and 2, with only group 1 joined."""
    cluster = ShardCluster(tmp_path_factory.mktemp("shardkv"), groups=2)
    try:
        cluster.join(1)
        yield cluster
    finally:
        cluster.stop_all()


@pytest.fixture(autouse=True)
def time_limit(request):
    """Fails a test that runs longer than TEST_SECONDS (every wait in the tests is bounded too;
    this is the backstop). SIGALRM interrupts the main thread between bytecodes, and every
    gRPC call has a deadline, so it fires within one RPC timeout."""

    def expired(signum, frame):
        pytest.fail(f"{request.node.name} did not finish within {TEST_SECONDS} s", pytrace=True)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TEST_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for name in ("kv_cluster", "shard_cluster"):
            cluster = item.funcargs.get(name) if hasattr(item, "funcargs") else None
            if cluster is not None:
                report.sections.append((f"{name} logs", cluster.logs()))
