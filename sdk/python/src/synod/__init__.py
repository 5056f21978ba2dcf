"""The Python client of Synod, consensus as a service: upload WebAssembly
state machines, create shards that run them, and send them commands and
queries, synchronously (Client) or with asyncio (AsyncClient).

It is a small layer over the Connect clients that protoc-gen-connectrpc
generates from proto/synod/v1 into synod._gen, whose messages it returns
where they describe a module (Module) or a shard (Shard). README.md says
how it connects, retries and fails.
"""

from connectrpc.code import Code

from ._aio import AsyncClient
from ._client import Client
from ._config import DEFAULT_ADDRESS, DEFAULT_NAMESPACE, DEFAULT_TIMEOUT
from ._errors import FUEL_USED_HEADER, ApplicationError, Applied, SynodError
from ._gen.synod.v1.module_pb import Module
from ._gen.synod.v1.shard_pb import Replica, Shard
from ._types import (
    LINEARIZABLE,
    STALE,
    BatchResult,
    Command,
    CommandResult,
    Consistency,
    Data,
    ProposeResult,
    QueryResult,
    ShardSettings,
    at_least_index,
)

__all__ = [
    "DEFAULT_ADDRESS",
    "DEFAULT_NAMESPACE",
    "DEFAULT_TIMEOUT",
    "FUEL_USED_HEADER",
    "LINEARIZABLE",
    "STALE",
    "ApplicationError",
    "Applied",
    "AsyncClient",
    "BatchResult",
    "Client",
    "Code",
    "Command",
    "CommandResult",
    "Consistency",
    "Data",
    "Module",
    "ProposeResult",
    "QueryResult",
    "Replica",
    "Shard",
    "ShardSettings",
    "SynodError",
    "at_least_index",
]
