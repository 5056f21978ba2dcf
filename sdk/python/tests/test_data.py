"""Propose, query and batches through the sync client, against a live
synod dev."""

from __future__ import annotations

import json
import secrets

import pytest

import synod

from .conftest import KV, cmd


def test_propose(kv: KV, request: pytest.FixtureRequest) -> None:
    key = request.node.name
    put = cmd("put", key=key, value="1")
    with kv.client() as c:
        auto = c.propose(kv.shard, put)
        assert (auto.result, auto.replayed) == (b'{"ok":true}', False)
        assert len(auto.idempotency_key) == 12 + 26 and auto.index > 0 and auto.fuel_used > 0
        again = c.propose(kv.shard, put.encode())  # bytes or str alike
        assert again.idempotency_key != auto.idempotency_key and not again.replayed

        idem = f"{key}/{secrets.token_hex(8)}"  # a new key on every run
        first = c.propose(kv.shard, put, idempotency_key=idem)
        replay = c.propose(kv.shard, put, idempotency_key=idem)
        assert not first.replayed and replay.replayed
        assert (replay.index, replay.result, replay.idempotency_key) == (first.index, first.result, idem)

        with pytest.raises(synod.SynodError) as reused:
            c.propose(kv.shard, cmd("put", key=key, value="2"), idempotency_key=idem)
        assert (reused.value.code, reused.value.applied) == (synod.Code.FAILED_PRECONDITION, synod.Applied.YES)

        unkeyed = [c.propose(kv.shard, put, without_idempotency_key=True) for _ in range(2)]
        assert [(r.idempotency_key, r.replayed) for r in unkeyed] == [("", False), ("", False)]
        assert unkeyed[0].index != unkeyed[1].index

        with pytest.raises(ValueError, match="both given"):
            c.propose(kv.shard, put, idempotency_key="k", without_idempotency_key=True)


def test_query(kv: KV, request: pytest.FixtureRequest) -> None:
    key = request.node.name
    get = cmd("get", key=key)
    with kv.client() as c:
        put = c.propose(kv.shard, cmd("put", key=key, value="v"))
        for consistency in (synod.LINEARIZABLE, synod.at_least_index(put.index)):
            res = c.query(kv.shard, get, consistency)
            assert json.loads(res.result) == {"key": key, "value": "v", "found": True}
            assert res.index >= put.index and res.fuel_used > 0
        assert json.loads(c.query(kv.shard, get).result)["found"]  # linearizable by default
        stale = c.query(kv.shard, get, synod.STALE)
        assert json.loads(stale.result)["key"] == key  # a stale read may not see the put yet

        with pytest.raises(synod.SynodError) as write:
            c.query(kv.shard, cmd("put", key=key, value="w"))
        e = write.value
        assert e.code == synod.Code.FAILED_PRECONDITION and e.application is not None and e.application.code == 400
        assert e.fuel_used > 0
        with pytest.raises(ValueError):
            synod.at_least_index(-1)


def test_application_error(kv: KV) -> None:
    with kv.client() as c, pytest.raises(synod.SynodError) as cas:
        c.propose(kv.shard, cmd("cas", key="test_application_error", expect="nope", value="1"))
    e = cas.value
    assert (e.code, e.applied, e.code.value, e.applied.value) == (
        synod.Code.FAILED_PRECONDITION, synod.Applied.YES, "failed_precondition", "yes"
    )
    assert e.application == synod.ApplicationError(code=409, message=e.application.message if e.application else "")
    assert e.fuel_used > 0
    assert str(e).startswith(f"synod: propose to {kv.shard}: failed_precondition: ")


def test_batch(kv: KV, request: pytest.FixtureRequest) -> None:
    key = request.node.name
    with kv.client() as c:
        res = c.propose_batch(kv.shard, [
            cmd("put", key=key, value="1"),
            synod.Command(cmd("get", key=key), idempotency_key=f"{key}/{secrets.token_hex(8)}"),
            cmd("bogus"),
        ])
        ok, got, bogus = res.results
        assert (ok.result, ok.error, ok.index) == (b'{"ok":true}', None, res.index)
        assert json.loads(got.result)["value"] == "1" and got.idempotency_key.startswith(f"{key}/")
        assert bogus.error is not None and bogus.error.application is not None
        assert (bogus.error.code, bogus.error.applied, bogus.error.application.code) == (
            synod.Code.FAILED_PRECONDITION, synod.Applied.YES, 400
        )
        assert len(ok.idempotency_key) == 12 + 26 and res.fuel_used >= ok.fuel_used + got.fuel_used

        # An atomic batch keeps the writes of every command or of none.
        atomic = c.propose_batch(kv.shard, [cmd("put", key=key, value="2"), cmd("bogus")], atomic=True)
        assert all(r.error is not None for r in atomic.results)
        assert json.loads(c.query(kv.shard, cmd("get", key=key)).result)["value"] == "1"

        unkeyed = c.propose_batch(kv.shard, [cmd("put", key=key, value="3")], without_idempotency_keys=True)
        assert unkeyed.results[0].idempotency_key == ""


def test_errors(kv: KV) -> None:
    with kv.client() as c:
        with pytest.raises(synod.SynodError) as missing:
            c.query(f"{kv.shard}-missing", cmd("get", key="a"))
        assert missing.value.code == synod.Code.NOT_FOUND
        with pytest.raises(synod.SynodError) as late:
            c.query(kv.shard, cmd("get", key="a"), timeout=0)
        assert late.value.code == synod.Code.DEADLINE_EXCEEDED
    with kv.client(token="not-a-token") as stranger, pytest.raises(synod.SynodError) as refused:
        stranger.propose(kv.shard, cmd("put", key="a", value="1"))
    assert (refused.value.code, refused.value.applied) == (synod.Code.UNAUTHENTICATED, synod.Applied.NO)
