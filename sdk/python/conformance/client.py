"""The Python SDK's runner of the client conformance scenario
(conformance/README.md): ``client.py KV_WASM SHARD``, with SYNOD_ADDR and
SYNOD_TOKEN in the environment. It prints what it observed as one JSON
object, and exits non-zero with the error on standard error when a step
fails in a way the scenario does not expect."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any

import synod

PUT_A1 = '{"op":"put","key":"a","value":"1"}'
GET_A = '{"op":"get","key":"a"}'


def failure(step: str, f: Callable[[], object], *fields: str) -> dict[str, Any]:
    """Runs f, which the scenario expects to fail, and returns the named
    fields of its SynodError: code, applied, application_code."""
    try:
        f()
    except synod.SynodError as e:
        values: dict[str, Any] = {
            "code": e.code.value,
            "applied": e.applied.value,
            "application_code": e.application.code if e.application else None,
        }
        return {k: values[k] for k in ("code", *fields)}
    raise RuntimeError(f"step {step}: no error")


def scenario(c: synod.Client, wasm_path: str, shard: str) -> dict[str, Any]:
    """Plays the scenario's steps, in order, on shard."""
    out: dict[str, Any] = {}
    module = c.upload_module_file(wasm_path)
    out["upload"] = {
        "hash_is_hex_sha256": re.fullmatch(r"[0-9a-f]{64}", module.hash) is not None,
        "listed": any(m.hash == module.hash for m in c.list_modules()),
    }

    c.create_shard(shard, module.hash)
    got = c.get_shard(shard)
    out["create"] = {
        "name_matches": got.name == shard,
        "module_matches": got.module_hash == module.hash,
        "listed": any(s.name == shard for s in c.list_shards()),
    }

    first = c.propose(shard, PUT_A1, idempotency_key="conformance-1")
    out["propose"] = {"result": first.result.decode(), "replayed": first.replayed}
    again = c.propose(shard, PUT_A1, idempotency_key="conformance-1")
    out["retry"] = {"result": again.result.decode(), "replayed": again.replayed, "same_index": again.index == first.index}
    out["key_reused"] = failure(
        "key_reused", lambda: c.propose(shard, '{"op":"put","key":"a","value":"2"}', idempotency_key="conformance-1"), "applied"
    )
    auto = c.propose(shard, '{"op":"put","key":"b","value":"2"}')
    out["auto_key"] = {"result": auto.result.decode(), "replayed": auto.replayed}

    out["query_linearizable"] = c.query(shard, GET_A).result.decode()
    out["query_at_least_index"] = c.query(shard, GET_A, synod.at_least_index(first.index)).result.decode()
    c.query(shard, GET_A, synod.STALE)
    out["query_stale"] = {"ok": True}

    batch = c.propose_batch(shard, ['{"op":"put","key":"c","value":"3"}', '{"op":"get","key":"c"}'])
    for r in batch.results:
        if r.error is not None:
            raise r.error
    out["batch"] = {"results": [r.result.decode() for r in batch.results]}

    out["application_error"] = failure(
        "application_error",
        lambda: c.propose(shard, '{"op":"cas","key":"a","expect":"9","value":"2"}'),
        "applied", "application_code",
    )
    out["query_error"] = failure(
        "query_error", lambda: c.query(shard, '{"op":"put","key":"x","value":"1"}'), "application_code"
    )
    out["not_found"] = failure("not_found", lambda: c.query(f"{shard}-missing", GET_A))
    out["deadline"] = failure("deadline", lambda: c.query(shard, GET_A, timeout=0))
    with synod.Client(token="not-a-token") as stranger:
        out["unauthenticated"] = failure("unauthenticated", stranger.list_shards)

    c.delete_shard(shard)
    out["delete"] = failure("delete", lambda: c.get_shard(shard))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(f"usage: {argv[0]} KV_WASM SHARD", file=sys.stderr)
        return 2
    try:
        with synod.Client() as c:  # SYNOD_ADDR, SYNOD_TOKEN
            out = scenario(c, argv[1], argv[2])
    except Exception as e:
        print(f"conformance: {e}", file=sys.stderr)
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
