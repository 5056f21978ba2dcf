"""The fixtures the tests share: synod and the kv example built once, and
one synod dev for the whole session, with the kv example uploaded and a
shard "kv" running it."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import synod

from . import devcluster


@dataclass(frozen=True)
class KV:
    """The session's cluster and its kv shard."""

    cluster: devcluster.DevCluster
    hash: str
    """The kv module's hash."""
    shard: str
    """The shard that runs it."""

    def client(self, token: str | None = None, namespace: str | None = None) -> synod.Client:
        """Returns a client of the cluster, with its admin key unless told
        otherwise."""
        return synod.Client(self.cluster.url, token=token or self.cluster.token, namespace=namespace)

    def async_client(self, token: str | None = None, namespace: str | None = None) -> synod.AsyncClient:
        """As client, asyncio's."""
        return synod.AsyncClient(self.cluster.url, token=token or self.cluster.token, namespace=namespace)


@pytest.fixture(scope="session")
def binaries() -> Iterator[devcluster.Binaries]:
    dir = Path(tempfile.mkdtemp(prefix="synod-sdk-py-bin-"))
    try:
        yield devcluster.build(dir)
    finally:
        shutil.rmtree(dir, ignore_errors=True)


@pytest.fixture(scope="session")
def kv(binaries: devcluster.Binaries) -> Iterator[KV]:
    cluster = devcluster.start(binaries)
    try:
        with synod.Client(cluster.url, token=cluster.token) as c:
            module = c.upload_module_file(str(cluster.kv_wasm))
            c.create_shard("kv", module.hash)
        yield KV(cluster=cluster, hash=module.hash, shard="kv")
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def tls_cluster(binaries: devcluster.Binaries) -> Iterator[devcluster.DevCluster]:
    """A second synod dev, which serves HTTPS with a certificate of its own
    CA."""
    cluster = devcluster.start(binaries, tls=True)
    try:
        yield cluster
    finally:
        cluster.stop()


def cmd(op: str, **fields: str) -> str:
    """A command or query of the kv example (examples/kv/README.md), as its
    JSON text."""
    return json.dumps({"op": op, **fields}, separators=(",", ":"))
