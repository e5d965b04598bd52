"""KVClient (grpcio) against a 3-node `skv kv serve` group over mutual TLS: certificates from
Scripts/make-test-certs.sh (made per run, never committed), daemons with --client-cert-required
and --peer-cert-allowed-cn skv-member. A client with the test CA and a client certificate
works; one without a certificate, one trusting another CA and a plaintext one are refused."""

import os
import subprocess

import grpc
import pytest

from daemons import KVCluster, START_SECONDS, wait_until
from skv_client import KVClient, OperationTimeout

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
REFUSED_SECONDS = 2.0


def read(path):
    with open(path, "rb") as f:
        return f.read()


class TLSKVCluster(KVCluster):
    """KVCluster whose members serve and dial mutual TLS with the test CA's member certificate."""

    def __init__(self, work_dir):
        self.certs = os.path.join(str(work_dir), "certs")
        subprocess.run([os.path.join(ROOT, "Scripts", "make-test-certs.sh"), self.certs], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        super().__init__(work_dir)

    def cert(self, name):
        return os.path.join(self.certs, name)

    def node_args(self, i):
        return super().node_args(i) + [
            "--tls-cert", self.cert("member.pem"), "--tls-key", self.cert("member-key.pem"),
            "--tls-ca", self.cert("ca.pem"), "--client-cert-required", "--peer-cert-allowed-cn", "skv-member",
        ]  # fmt: skip

    def credentials(self, ca="ca.pem", client="client"):
        key, chain = (read(self.cert(f"{client}-key.pem")), read(self.cert(f"{client}.pem"))) if client else (None, None)
        return grpc.ssl_channel_credentials(read(self.cert(ca)), key, chain)


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    cluster = TLSKVCluster(tmp_path_factory.mktemp("kv-tls"))
    try:

        def written():
            cluster.check_running()
            try:
                with KVClient(cluster.endpoints, credentials=cluster.credentials(), timeout=2.0) as client:
                    client.put(b"tls-ready", b"yes")
                    return True
            except OperationTimeout:
                return False

        wait_until(written, START_SECONDS, "a write over TLS")
        yield cluster
    finally:
        cluster.stop_all()


def test_tls_client_with_certificate(tls_cluster):
    with KVClient(tls_cluster.endpoints, credentials=tls_cluster.credentials()) as client:
        client.put(b"tls-key", b"over tls")
        client.append(b"tls-key", b"!")
        assert client.get(b"tls-key") == b"over tls!"
        # Every member answers over TLS (a first handshake may be slow on a loaded machine).
        wait_until(lambda: len(client.status(rpc_timeout=3.0)) == 3, 20, "every member's status over TLS")


@pytest.mark.parametrize(
    "how", ["no client certificate", "another CA", "plaintext"], ids=["no-cert", "rogue-ca", "plaintext"]
)
def test_tls_refusals(tls_cluster, how):
    if how == "plaintext":
        client = KVClient(tls_cluster.endpoints, timeout=REFUSED_SECONDS)
    elif how == "another CA":
        client = KVClient(
            tls_cluster.endpoints, credentials=tls_cluster.credentials(ca="rogue-ca.pem"), timeout=REFUSED_SECONDS
        )
    else:
        client = KVClient(
            tls_cluster.endpoints, credentials=tls_cluster.credentials(client=None), timeout=REFUSED_SECONDS
        )
    with client, pytest.raises(OperationTimeout):
        client.get(b"tls-key")
