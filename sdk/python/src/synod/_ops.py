"""Each call of the client as a Plan: the generated method to call, its
request, whether it may be repeated, and how its response becomes the
client's result. The sync and async clients run the same plans."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from protobuf import Message

from ._errors import from_command_error
from ._gen.synod.v1 import data_pb, module_pb, shard_pb
from ._types import (
    BatchResult,
    Command,
    CommandResult,
    Consistency,
    Data,
    ProposeResult,
    QueryResult,
    ShardSettings,
    to_bytes,
)

Res = TypeVar("Res")
Out = TypeVar("Out")

Service = Literal["modules", "shards", "data"]
"""Which generated client serves a plan: ModuleService's, ShardService's or
DataService's."""


@dataclass(frozen=True)
class Plan(Generic[Res, Out]):
    """One call: the generated client's method, and what to do with its
    response."""

    what: str
    """What the call does, for its errors: "propose to kv"."""
    service: Service
    """The generated client to call."""
    method: str
    """The generated client's method, the same in its sync and async form."""
    request: Message[Any]
    """The request message."""
    repeatable: bool
    """Whether the call may run again whatever became of an earlier attempt
    (see _retry.Retry)."""
    convert: Callable[[Res], Out]
    """Makes the client's result of the response."""


def new_key() -> str:
    """Returns an idempotency key, as the Go SDK's: the time in Unix
    milliseconds (12 hex digits), then 128 random bits (26 base32 digits).
    Keys that rise with time cost a shard less to look up and keep than
    random ones; the random part keeps them unique and unguessable."""
    random = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")
    return f"{time.time_ns() // 1_000_000:012x}{random}"


def _nothing(_: object) -> None:
    """The result of a call that returns nothing."""


def upload_module(ns: str, wasm: bytes) -> Plan[module_pb.UploadModuleResponse, module_pb.Module]:
    """Uploads are repeatable: modules are content-addressed."""
    return Plan(
        "upload module", "modules", "upload_module",
        module_pb.UploadModuleRequest(wasm=wasm, namespace=ns), True,
        lambda r: r.module or module_pb.Module(),
    )


def get_module(ns: str, hash: str) -> Plan[module_pb.GetModuleResponse, module_pb.Module]:
    """Reads are repeatable."""
    return Plan(
        f"get module {hash}", "modules", "get_module",
        module_pb.GetModuleRequest(hash=hash, namespace=ns), True,
        lambda r: r.module or module_pb.Module(),
    )


def list_modules(ns: str) -> Plan[module_pb.ListModulesResponse, list[module_pb.Module]]:
    """Reads are repeatable."""
    return Plan(
        "list modules", "modules", "list_modules",
        module_pb.ListModulesRequest(namespace=ns), True,
        lambda r: list(r.modules),
    )


def delete_module(ns: str, hash: str) -> Plan[module_pb.DeleteModuleResponse, None]:
    """Deletes are not repeated: a second one could fail for the first's success."""
    return Plan(
        f"delete module {hash}", "modules", "delete_module",
        module_pb.DeleteModuleRequest(hash=hash, namespace=ns), False, _nothing,
    )


def create_shard(ns: str, name: str, module_hash: str, s: ShardSettings) -> Plan[shard_pb.CreateShardResponse, shard_pb.Shard]:
    """Creates are not repeated: a second one could fail for the first's
    success."""
    if s.idempotency_window_seconds < 0:
        raise ValueError(f"synod: create shard {name}: idempotency window {s.idempotency_window_seconds} s is negative")
    req = shard_pb.CreateShardRequest(
        name=name, module_hash=module_hash, namespace=ns,
        replica_count=s.replicas, fuel_limit=s.fuel_limit,
        write_bytes_limit=s.write_bytes_limit, write_keys_limit=s.write_keys_limit,
        stored_bytes_limit=s.stored_bytes_limit, idempotency_window_seconds=s.idempotency_window_seconds,
    )
    return Plan(f"create shard {name}", "shards", "create_shard", req, False, lambda r: r.shard or shard_pb.Shard())


def get_shard(ns: str, name: str) -> Plan[shard_pb.GetShardResponse, shard_pb.Shard]:
    """Reads are repeatable."""
    return Plan(
        f"get shard {name}", "shards", "get_shard",
        shard_pb.GetShardRequest(name=name, namespace=ns), True,
        lambda r: r.shard or shard_pb.Shard(),
    )


def list_shards(ns: str) -> Plan[shard_pb.ListShardsResponse, list[shard_pb.Shard]]:
    """Reads are repeatable."""
    return Plan(
        "list shards", "shards", "list_shards",
        shard_pb.ListShardsRequest(namespace=ns), True,
        lambda r: list(r.shards),
    )


def delete_shard(ns: str, name: str) -> Plan[shard_pb.DeleteShardResponse, None]:
    """Deletes are not repeated: a second one could fail for the first's success."""
    return Plan(
        f"delete shard {name}", "shards", "delete_shard",
        shard_pb.DeleteShardRequest(name=name, namespace=ns), False, _nothing,
    )


def propose(
    ns: str, shard: str, command: Data, idempotency_key: str | None, without_idempotency_key: bool
) -> Plan[data_pb.ProposeResponse, ProposeResult]:
    """A command is repeatable when it has a key: the shard runs it at most
    once."""
    what = f"propose to {shard}"
    if without_idempotency_key and idempotency_key:
        raise ValueError(f"synod: {what}: idempotency_key and without_idempotency_key both given")
    key = "" if without_idempotency_key else idempotency_key or new_key()
    return Plan(
        what, "data", "propose",
        data_pb.ProposeRequest(shard=shard, command=to_bytes(command), idempotency_key=key, namespace=ns), key != "",
        lambda r: ProposeResult(result=r.result, index=r.index, fuel_used=r.fuel_used, replayed=r.replayed, idempotency_key=key),
    )


def propose_batch(
    ns: str, shard: str, commands: Sequence[Data | Command], atomic: bool, without_idempotency_keys: bool
) -> Plan[data_pb.ProposeBatchResponse, BatchResult]:
    """A batch is repeatable when each of its commands has a key."""
    what = f"propose batch to {shard}"
    cmds = [c if isinstance(c, Command) else Command(c) for c in commands]
    keys = [c.idempotency_key or ("" if without_idempotency_keys else new_key()) for c in cmds]
    req = data_pb.ProposeBatchRequest(
        shard=shard, atomic=atomic, namespace=ns,
        commands=[data_pb.BatchCommand(command=to_bytes(c.data), idempotency_key=k) for c, k in zip(cmds, keys)],
    )

    def convert(r: data_pb.ProposeBatchResponse) -> BatchResult:
        """Pairs each command's outcome with the key it was sent with."""
        results = [
            CommandResult(
                result=b.result, index=b.index, fuel_used=b.fuel_used, replayed=b.replayed,
                idempotency_key=keys[i] if i < len(keys) else "",
                error=None if b.error is None else from_command_error(f"{what}: command {i}", b.error, b.fuel_used),
            )
            for i, b in enumerate(r.results)
        ]
        return BatchResult(results=results, index=r.index, fuel_used=r.fuel_used)

    return Plan(what, "data", "propose_batch", req, all(keys), convert)


def query(ns: str, shard: str, q: Data, consistency: Consistency) -> Plan[data_pb.QueryResponse, QueryResult]:
    """A query changes nothing, so it is repeatable."""
    req = data_pb.QueryRequest(
        shard=shard, query=to_bytes(q), namespace=ns,
        consistency=consistency.level, min_index=consistency.min_index,
    )
    return Plan(
        f"query {shard}", "data", "query", req, True,
        lambda r: QueryResult(result=r.result, index=r.index, fuel_used=r.fuel_used),
    )
