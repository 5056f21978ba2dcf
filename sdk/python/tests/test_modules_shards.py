"""Modules and shards through the sync client, against a live synod dev."""

from __future__ import annotations

import pytest

import synod

from .conftest import KV


def custom_section(wasm: bytes, name: str) -> bytes:
    """Returns wasm with a custom section named name appended: the same
    module to the host, under another hash."""
    label = name.encode()
    body = bytes([len(label)]) + label
    return wasm + bytes([0, len(body)]) + body


def test_modules(kv: KV) -> None:
    with kv.client() as c:
        from_file = c.upload_module_file(str(kv.cluster.kv_wasm))
        wasm = kv.cluster.kv_wasm.read_bytes()
        assert (from_file.hash, from_file.size_bytes) == (kv.hash, len(wasm))
        assert c.upload_module(wasm).hash == kv.hash  # content-addressed
        assert kv.shard in c.get_module(kv.hash).shards
        assert kv.hash in [m.hash for m in c.list_modules()]

        with pytest.raises(synod.SynodError) as in_use:
            c.delete_module(kv.hash)
        assert in_use.value.code == synod.Code.FAILED_PRECONDITION

        # A module in no shard's use is deleted for good. Its upload
        # compiles it on every host: its deadline is generous.
        unused = c.upload_module(custom_section(wasm, "test_modules"), timeout=300)
        assert unused.hash != kv.hash
        c.delete_module(unused.hash)
        with pytest.raises(synod.SynodError) as gone:
            c.get_module(unused.hash)
        assert gone.value.code == synod.Code.NOT_FOUND


def test_shards(kv: KV) -> None:
    settings = synod.ShardSettings(
        replicas=1, fuel_limit=5_000_000, write_bytes_limit=1 << 20, write_keys_limit=100,
        stored_bytes_limit=8 << 20, idempotency_window_seconds=3600,
    )
    with kv.client() as c:
        created = c.create_shard("settings", kv.hash, settings)
        got = c.get_shard("settings")
        for s in (created, got):
            assert (s.name, s.module_hash, s.namespace) == ("settings", kv.hash, synod.DEFAULT_NAMESPACE)
            assert (s.replica_count, s.fuel_limit, s.write_bytes_limit, s.write_keys_limit) == (1, 5_000_000, 1 << 20, 100)
            assert (s.stored_bytes_limit, s.idempotency_window_seconds) == (8 << 20, 3600)
        assert "settings" in [s.name for s in c.list_shards()]

        with pytest.raises(synod.SynodError) as exists:
            c.create_shard("settings", kv.hash)
        assert exists.value.code == synod.Code.ALREADY_EXISTS

        c.delete_shard("settings")
        with pytest.raises(synod.SynodError) as gone:
            c.get_shard("settings")
        assert gone.value.code == synod.Code.NOT_FOUND
        with pytest.raises(ValueError, match="idempotency window"):
            c.create_shard("window", kv.hash, synod.ShardSettings(idempotency_window_seconds=-1))
