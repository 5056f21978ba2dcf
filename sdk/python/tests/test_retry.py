"""When calls are tried again: the rules, on their own, and through a proxy
that loses the gateway's answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

import synod
from synod._errors import Applied, SynodError
from synod._retry import MAX_BACKOFF, Retry

from .conftest import KV, cmd
from .lossyproxy import LossyProxy

PROPOSE = "/synod.v1.DataService/Propose"
PROPOSE_BATCH = "/synod.v1.DataService/ProposeBatch"
QUERY = "/synod.v1.DataService/Query"


def failed(code: synod.Code, applied: Applied) -> SynodError:
    return SynodError("test", code, "failed", applied=applied)


@pytest.mark.parametrize(
    ("name", "code", "applied", "repeatable", "again"),
    [
        ("not applied", synod.Code.UNAVAILABLE, Applied.NO, False, True),
        ("unknown, repeatable", synod.Code.UNAVAILABLE, Applied.UNKNOWN, True, True),
        ("unknown, not repeatable", synod.Code.UNAVAILABLE, Applied.UNKNOWN, False, False),
        ("the gateway's deadline", synod.Code.DEADLINE_EXCEEDED, Applied.UNKNOWN, True, True),
        ("a reset stream", synod.Code.UNKNOWN, Applied.UNKNOWN, True, True),
        ("canceled", synod.Code.CANCELED, Applied.NO, False, True),
        ("applied", synod.Code.ABORTED, Applied.YES, True, False),
        ("the module's rejection", synod.Code.FAILED_PRECONDITION, Applied.YES, True, False),
        ("not found", synod.Code.NOT_FOUND, Applied.UNKNOWN, True, False),
        ("refused", synod.Code.UNAUTHENTICATED, Applied.NO, True, False),
    ],
)
def test_rules(name: str, code: synod.Code, applied: Applied, repeatable: bool, again: bool) -> None:
    wait = Retry(repeatable, time.monotonic() + 60).after(failed(code, applied), Exception("cause"))
    assert (wait is not None) == again
    if wait is not None:
        assert 0 < wait <= MAX_BACKOFF


def test_rules_unknown_stays_unknown() -> None:
    # An attempt that was not applied says nothing of the earlier ones.
    r = Retry(True, time.monotonic() + 60)
    assert r.after(failed(synod.Code.UNAVAILABLE, Applied.UNKNOWN), Exception()) is not None
    later = failed(synod.Code.UNAVAILABLE, Applied.NO)
    assert r.after(later, Exception()) is not None
    assert later.applied == Applied.UNKNOWN


def test_rules_stop() -> None:
    cause = Exception("tls handshake")
    cause.__cause__ = Exception("invalid peer certificate: UnknownIssuer")
    assert Retry(True, time.monotonic() + 60).after(failed(synod.Code.UNAVAILABLE, Applied.NO), cause) is None
    assert Retry(True, time.monotonic() - 1).after(failed(synod.Code.UNAVAILABLE, Applied.NO), Exception()) is None
    assert Retry(True, time.monotonic() + 60).timeout_ms() > 59_000


@pytest.fixture
def lossy(kv: KV, request: pytest.FixtureRequest) -> Iterator[LossyProxy]:
    """A proxy in front of the cluster that loses the first response to the
    procedure the test is parametrized with."""
    proxy = LossyProxy(kv.cluster.url, request.param, drop=1)
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.mark.parametrize("lossy", [PROPOSE], indirect=True)
def test_retry_unknown_outcome(kv: KV, lossy: LossyProxy) -> None:
    with synod.Client(lossy.url, token=kv.cluster.token) as c:
        res = c.propose(kv.shard, cmd("put", key="test_retry_unknown_outcome", value="1"))
        assert res.replayed and lossy.sent == 2  # the first attempt's result, replayed by the second
        got = c.query(kv.shard, cmd("get", key="test_retry_unknown_outcome"), synod.at_least_index(res.index))
        assert b'"found":true' in got.result


@pytest.mark.parametrize("lossy", [PROPOSE_BATCH], indirect=True)
def test_retry_unknown_batch(kv: KV, lossy: LossyProxy) -> None:
    with synod.Client(lossy.url, token=kv.cluster.token) as c:
        res = c.propose_batch(kv.shard, [cmd("put", key="test_retry_unknown_batch", value="1")])
        assert res.results[0].replayed and lossy.sent == 2


@pytest.mark.parametrize("lossy", [PROPOSE], indirect=True)
def test_no_retry_without_key(kv: KV, lossy: LossyProxy) -> None:
    with synod.Client(lossy.url, token=kv.cluster.token) as c, pytest.raises(synod.SynodError) as e:
        c.propose(kv.shard, cmd("put", key="test_no_retry_without_key", value="1"), without_idempotency_key=True)
    assert (e.value.code, e.value.applied, lossy.sent) == (synod.Code.UNAVAILABLE, Applied.UNKNOWN, 1)


@pytest.mark.parametrize("lossy", [PROPOSE], indirect=True)
def test_retry_async(kv: KV, lossy: LossyProxy) -> None:
    async def run() -> synod.ProposeResult:
        async with synod.AsyncClient(lossy.url, token=kv.cluster.token) as c:
            return await c.propose(kv.shard, cmd("put", key="test_retry_async", value="1"))

    assert asyncio.run(run()).replayed and lossy.sent == 2


@pytest.mark.parametrize("lossy", [QUERY], indirect=True)
def test_retry_until_deadline(kv: KV, lossy: LossyProxy) -> None:
    # Every response lost: a query is tried again until its deadline, then
    # fails with the last attempt's error.
    lossy.drop = 1_000_000
    with synod.Client(lossy.url, token=kv.cluster.token) as c, pytest.raises(synod.SynodError) as e:
        c.query(kv.shard, cmd("get", key="a"), timeout=2)
    assert e.value.code in (synod.Code.UNAVAILABLE, synod.Code.DEADLINE_EXCEEDED)
    assert e.value.applied == Applied.UNKNOWN and lossy.sent >= 2
