"""Real `skv` daemons on loopback for the tests: a 3-node KV group, and the sharded service
(3 controllers and replica groups of 3). Every daemon logs to a file in its data directory's
parent, every wait is bounded, and stop_all() ends whatever is still running (SIGTERM, then
SIGKILL after 5 s)."""

import os
import signal
import socket
import subprocess
import time

from skv_client import ControllerClient, KVClient, shardkv_pb2, shardkv_pb2_grpc

# How long a cluster may take to elect leaders / apply a configuration (loaded 2-core machine).
START_SECONDS = float(os.environ.get("SKV_START_SECONDS", "45"))
STOP_SECONDS = 5.0


def skv_binary():
    """The `skv` binary from $SKV_BIN (set by Scripts/test-python-client.sh)."""
    path = os.environ.get("SKV_BIN", "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(
            f"SKV_BIN={path!r} is not an executable: set it to a built skv "
            "(e.g. $(swift build --show-bin-path)/skv) or run Scripts/test-python-client.sh"
        )
    return path


def free_ports(count):
    """`count` distinct free TCP ports on 127.0.0.1 (bound at once, so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_until(condition, seconds, what):
    """Polls condition() every 0.1 s until it returns a true value (returned); AssertionError
    naming `what` after `seconds`."""
    end = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= end:
            raise AssertionError(f"{what}: not within {seconds:g} s")
        time.sleep(0.1)


class Daemon:
    """One `skv ... serve` process, restartable on the same data directory."""

    def __init__(self, name, args, log_path):
        self.name = name
        self.args = args
        self.log_path = log_path
        self.process = None
        # Killed on purpose by a test (not a failure of the cluster).
        self.killed = False

    def start(self):
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        finally:
            log.close()

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """SIGKILL, and waits until the process is gone."""
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(STOP_SECONDS)

    def stop(self):
        if not self.alive:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError as error:
            return f"(no log: {error})"
        return "\n".join(text.splitlines()[-lines:])


class Processes:
    """The daemons of one fixture, for stopping them and showing their logs."""

    def __init__(self, work_dir):
        self.work_dir = str(work_dir)
        self.daemons = {}

    def add(self, name, args):
        daemon = Daemon(name, args, os.path.join(self.work_dir, f"{name}.log"))
        self.daemons[name] = daemon
        daemon.start()
        return daemon

    def check_running(self):
        for daemon in self.daemons.values():
            if daemon.process is not None and not daemon.alive and not daemon.killed:
                raise AssertionError(f"{daemon.name} exited ({daemon.process.returncode}):\n{daemon.log_tail()}")

    def logs(self, lines=15):
        return "\n".join(f"--- {d.name}\n{d.log_tail(lines)}" for d in self.daemons.values())

    def stop_all(self):
        for daemon in self.daemons.values():
            if daemon.alive:
                daemon.process.terminate()
        end = time.monotonic() + STOP_SECONDS
        for daemon in self.daemons.values():
            if daemon.process is None:
                continue
            try:
                daemon.process.wait(max(0.0, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                daemon.kill()


def peer_flags(addresses):
    flags = []
    for i, address in enumerate(addresses, start=1):
        flags += ["--peer", f"{i}={address}"]
    return flags


class KVCluster(Processes):
    """Three `skv kv serve` nodes (Raft ids 1-3)."""

    def __init__(self, work_dir, extra_args=()):
        super().__init__(work_dir)
        self.skv = skv_binary()
        self.extra_args = list(extra_args)
        self.addresses = [f"127.0.0.1:{port}" for port in free_ports(3)]
        self.endpoints = {i: address for i, address in enumerate(self.addresses, start=1)}
        for i in self.endpoints:
            self.start(i)

    def node_args(self, i):
        return [
            self.skv, "kv", "serve", "--id", str(i), "--listen", self.endpoints[i],
            *peer_flags(self.addresses), "--data-dir", os.path.join(self.work_dir, f"node{i}"), *self.extra_args,
        ]  # fmt: skip

    def start(self, i):
        self.add(f"node{i}", self.node_args(i))

    def kill(self, i):
        daemon = self.daemons[f"node{i}"]
        daemon.killed = True
        daemon.kill()

    def stable_leader(self, seconds=START_SECONDS, exclude=()):
        """(leader id, term, {id: StatusReply}) once one node says it leads and every other
        answering node names it in the same term."""

        def probe():
            self.check_running()
            with KVClient(self.endpoints) as client:
                replies = client.status()
            seen = {s.id: s for s in replies.values() if s.id not in exclude}
            leaders = [i for i, s in seen.items() if s.is_leader]
            if len(leaders) == 1 and len(seen) == len(self.endpoints) - len(exclude):
                term = seen[leaders[0]].term
                if all(s.term == term and s.leader.leader_id == leaders[0] for s in seen.values()):
                    return leaders[0], term, seen
            return None

        return wait_until(probe, seconds, "a stable leader")


class ShardCluster(Processes):
    """Three `skv ctrler serve` controllers and `groups` replica groups of three `skv shard
    serve` members (gids 1..groups); no group has joined yet."""

    def __init__(self, work_dir, groups):
        super().__init__(work_dir)
        self.skv = skv_binary()
        ports = free_ports(3 + 3 * groups)
        self.ctrlers = [f"127.0.0.1:{p}" for p in ports[:3]]
        self.groups = {g: [f"127.0.0.1:{p}" for p in ports[3 * g : 3 * g + 3]] for g in range(1, groups + 1)}
        for i, address in enumerate(self.ctrlers, start=1):
            self.add(f"ctrler{i}", [
                self.skv, "ctrler", "serve", "--id", str(i), "--listen", address, *peer_flags(self.ctrlers),
                "--data-dir", os.path.join(self.work_dir, f"ctrler{i}"),
            ])  # fmt: skip
        for gid, members in self.groups.items():
            for i, address in enumerate(members, start=1):
                self.add(f"g{gid}n{i}", [
                    self.skv, "shard", "serve", "--gid", str(gid), "--ctrlers", ",".join(self.ctrlers),
                    "--id", str(i), "--listen", address, *peer_flags(members),
                    "--data-dir", os.path.join(self.work_dir, f"g{gid}n{i}"),
                ])  # fmt: skip
        self.controller = ControllerClient(self.ctrlers, timeout=START_SECONDS)

    def group_status(self, gid, rpc_timeout=1.0):
        """{address: StatusReply} of group gid's members that answer."""
        result = {}
        for address in self.groups[gid]:
            stub = shardkv_pb2_grpc.ShardKVStub(self.controller._channels.get(address))
            try:
                result[address] = stub.Status(shardkv_pb2.StatusRequest(), timeout=rpc_timeout)
            except Exception:  # grpc.RpcError: not answering (yet)
                pass
        return result

    def group_leader(self, gid):
        leaders = [a for a, s in self.group_status(gid).items() if s.is_leader]
        return leaders[0] if len(leaders) == 1 else None

    def wait_for_config(self, gid, num, seconds=START_SECONDS):
        """Until group gid's leader has applied configuration `num` (or a later one)."""

        def applied():
            self.check_running()
            return any(s.is_leader and s.config_num >= num for s in self.group_status(gid).values())

        wait_until(applied, seconds, f"group {gid} at configuration {num}")

    def join(self, *gids):
        """Joins the groups; returns the new configuration's number once each has applied it."""
        num = self.controller.join({gid: self.groups[gid] for gid in gids})
        for gid in gids:
            self.wait_for_config(gid, num)
        return num

    def stop_all(self):
        self.controller.close()
        super().stop_all()
