"""Where a client gets its address, key, namespace, CA and timeouts: its
arguments, then the environment, then the defaults."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import synod

from . import devcluster
from .conftest import KV


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No SYNOD_ variable of the caller's reaches the test."""
    for name in ("SYNOD_ADDR", "SYNOD_TOKEN", "SYNOD_NAMESPACE", "SYNOD_TLS_CA"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_environment(kv: KV, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("SYNOD_ADDR", kv.cluster.url)
    clean_env.setenv("SYNOD_TOKEN", kv.cluster.token)
    with synod.Client() as c:
        assert c.namespace == synod.DEFAULT_NAMESPACE
        assert kv.shard in [s.name for s in c.list_shards()]
    with synod.Client(token="not-a-token") as c, pytest.raises(synod.SynodError) as refused:
        c.list_shards()  # the argument wins over SYNOD_TOKEN
    assert refused.value.code == synod.Code.UNAUTHENTICATED

    # The namespace goes with every call: the kv shard is not in another.
    clean_env.setenv("SYNOD_NAMESPACE", "elsewhere")
    with synod.Client() as c, pytest.raises(synod.SynodError):
        assert c.namespace == "elsewhere"
        c.get_shard(kv.shard)
    with synod.Client(namespace=synod.DEFAULT_NAMESPACE) as c:
        assert c.get_shard(kv.shard).name == kv.shard


def test_no_token(kv: KV, clean_env: pytest.MonkeyPatch) -> None:
    with synod.Client(kv.cluster.url) as c, pytest.raises(synod.SynodError) as refused:
        c.list_shards()
    assert (refused.value.code, refused.value.applied) == (synod.Code.UNAUTHENTICATED, synod.Applied.NO)


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    with synod.Client() as c:
        assert (c.namespace, c._cfg.address, c._cfg.token, c._cfg.timeout) == (
            synod.DEFAULT_NAMESPACE, synod.DEFAULT_ADDRESS, "", synod.DEFAULT_TIMEOUT
        )


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("no scheme", {"address": "127.0.0.1:7070"}, "want a URL"),
        ("another scheme", {"address": "ftp://127.0.0.1"}, "want a URL"),
        ("zero timeout", {"timeout": 0.0}, "not positive"),
        ("missing CA file", {"ca_file": "/nonexistent/ca.crt"}, "read CA file"),
    ],
)
def test_invalid(clean_env: pytest.MonkeyPatch, name: str, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        synod.Client(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        synod.AsyncClient(**kwargs)  # type: ignore[arg-type]


def test_ca_file_without_certificate(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "ca.crt"
    empty.write_text("not a certificate\n")
    clean_env.setenv("SYNOD_TLS_CA", str(empty))
    with pytest.raises(ValueError, match="holds no PEM certificate"):
        synod.Client()


def test_tls(tls_cluster: devcluster.DevCluster, clean_env: pytest.MonkeyPatch) -> None:
    assert tls_cluster.url.startswith("https://") and tls_cluster.ca_file is not None
    with synod.Client(tls_cluster.url, token=tls_cluster.token, ca_file=str(tls_cluster.ca_file)) as c:
        assert c.list_shards() == []
    clean_env.setenv("SYNOD_TLS_CA", str(tls_cluster.ca_file))
    with synod.Client(tls_cluster.url, token=tls_cluster.token) as c:
        assert c.list_modules() == []
    clean_env.delenv("SYNOD_TLS_CA")

    async def list_async() -> list[synod.Shard]:
        async with synod.AsyncClient(tls_cluster.url, token=tls_cluster.token, ca_file=str(tls_cluster.ca_file)) as c:
            return await c.list_shards()

    assert asyncio.run(list_async()) == []

    # Without the CA, the certificate does not verify, and no retry would
    # change that: the call fails at once rather than at its deadline.
    with synod.Client(tls_cluster.url, token=tls_cluster.token, timeout=600) as c, pytest.raises(synod.SynodError) as e:
        c.list_shards()
    assert e.value.code == synod.Code.UNAVAILABLE and "certificate" in str(e.value.__cause__).lower()
