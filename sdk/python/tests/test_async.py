"""The asyncio client, against a live synod dev: each kind of call, and
calls running concurrently on one client."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable

import pytest

import synod

from .conftest import KV, cmd
from .test_modules_shards import custom_section


def run(kv: KV, scenario: Callable[[synod.AsyncClient], Awaitable[None]]) -> None:
    """Runs scenario with an async client of the cluster, in an event loop
    of its own."""

    async def main() -> None:
        async with kv.async_client() as c:
            await scenario(c)

    asyncio.run(main())


def test_async_modules_and_shards(kv: KV) -> None:
    async def scenario(c: synod.AsyncClient) -> None:
        assert (await c.upload_module_file(str(kv.cluster.kv_wasm))).hash == kv.hash
        assert kv.shard in (await c.get_module(kv.hash)).shards
        assert kv.hash in [m.hash for m in await c.list_modules()]
        with pytest.raises(synod.SynodError) as in_use:
            await c.delete_module(kv.hash)
        assert in_use.value.code == synod.Code.FAILED_PRECONDITION
        unused = await c.upload_module(custom_section(kv.cluster.kv_wasm.read_bytes(), "async"), timeout=300)
        await c.delete_module(unused.hash)

        created = await c.create_shard("async", kv.hash, synod.ShardSettings(replicas=1, fuel_limit=4_000_000))
        assert (created.replica_count, created.fuel_limit) == (1, 4_000_000)
        assert (await c.get_shard("async")).module_hash == kv.hash
        assert "async" in [s.name for s in await c.list_shards()]
        await c.delete_shard("async")
        with pytest.raises(synod.SynodError) as gone:
            await c.get_shard("async")
        assert gone.value.code == synod.Code.NOT_FOUND

    run(kv, scenario)


def test_async_data(kv: KV) -> None:
    async def scenario(c: synod.AsyncClient) -> None:
        key = f"async/{secrets.token_hex(8)}"
        first = await c.propose(kv.shard, cmd("put", key="async", value="1"), idempotency_key=key)
        replay = await c.propose(kv.shard, cmd("put", key="async", value="1"), idempotency_key=key)
        assert (first.replayed, replay.replayed, replay.index) == (False, True, first.index)
        auto = await c.propose(kv.shard, cmd("put", key="async-auto", value="2"))
        assert len(auto.idempotency_key) == 12 + 26 and not auto.replayed

        for consistency in (synod.LINEARIZABLE, synod.at_least_index(first.index)):
            got = await c.query(kv.shard, cmd("get", key="async"), consistency)
            assert json.loads(got.result)["value"] == "1"
        await c.query(kv.shard, cmd("get", key="async"), synod.STALE)

        batch = await c.propose_batch(kv.shard, [cmd("put", key="async-b", value="3"), cmd("get", key="async-b")])
        assert [json.loads(r.result) for r in batch.results] == [{"ok": True}, {"key": "async-b", "value": "3", "found": True}]

        with pytest.raises(synod.SynodError) as cas:
            await c.propose(kv.shard, cmd("cas", key="async", expect="9", value="2"))
        e = cas.value
        assert (e.code, e.applied, e.application and e.application.code) == (
            synod.Code.FAILED_PRECONDITION, synod.Applied.YES, 409
        )
        with pytest.raises(synod.SynodError) as late:
            await c.query(kv.shard, cmd("get", key="async"), timeout=0)
        assert late.value.code == synod.Code.DEADLINE_EXCEEDED

        # Many calls in flight at once on one client each get their own
        # result (calls that reach a shard together may share a log index).
        puts = await asyncio.gather(*(c.propose(kv.shard, cmd("put", key=f"async-{i}", value=f"v{i}")) for i in range(8)))
        assert all(json.loads(p.result) == {"ok": True} and not p.replayed for p in puts)
        assert len({p.idempotency_key for p in puts}) == 8
        gets = await asyncio.gather(*(c.query(kv.shard, cmd("get", key=f"async-{i}")) for i in range(8)))
        assert [json.loads(g.result)["value"] for g in gets] == [f"v{i}" for i in range(8)]

    run(kv, scenario)


def test_async_unauthenticated(kv: KV) -> None:
    async def scenario() -> None:
        async with kv.async_client(token="not-a-token") as c:
            with pytest.raises(synod.SynodError) as refused:
                await c.list_shards()
            assert (refused.value.code, refused.value.applied) == (synod.Code.UNAUTHENTICATED, synod.Applied.NO)

    asyncio.run(scenario())
