"""The fixtures every test shares: one synod dev for the whole session,
with the kv example uploaded and a shard "kv" running it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

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
def kv() -> Iterator[KV]:
    cluster = devcluster.start()
    try:
        with synod.Client(cluster.url, token=cluster.token) as c:
            module = c.upload_module_file(str(cluster.kv_wasm))
            c.create_shard("kv", module.hash)
        yield KV(cluster=cluster, hash=module.hash, shard="kv")
    finally:
        cluster.stop()


def cmd(op: str, **fields: str) -> str:
    """A command or query of the kv example (examples/kv/README.md), as its
    JSON text."""
    return json.dumps({"op": op, **fields}, separators=(",", ":"))
