"""The values the client takes and returns, besides the API's own messages."""

from __future__ import annotations

from dataclasses import dataclass

from ._errors import SynodError
from ._gen.synod.v1 import data_pb

Data = bytes | str
"""A command or a query: bytes, or a str sent as its UTF-8 bytes."""


def to_bytes(data: Data) -> bytes:
    """Returns data's bytes: a str's UTF-8 encoding."""
    return data.encode() if isinstance(data, str) else data


@dataclass(frozen=True)
class Consistency:
    """How fresh a query's reading of a shard must be: the per-call trade
    between latency and freshness. Use LINEARIZABLE, STALE or
    at_least_index(n)."""

    level: data_pb.Consistency
    """The API's level."""
    min_index: int = 0
    """The index an AT_LEAST_INDEX read waits for."""


LINEARIZABLE = Consistency(data_pb.Consistency.LINEARIZABLE)
"""Reads that see every command committed before the query started: the
leader confirms it still leads (one round of heartbeats) before it reads.
The default."""

STALE = Consistency(data_pb.Consistency.STALE)
"""Reads on any one replica with no round trip, which may miss the latest
commands; QueryResult.index says which index they read at."""


def at_least_index(index: int) -> Consistency:
    """Reads on any replica once it has applied index, waiting for it within
    the call's deadline: given a ProposeResult.index, the query sees that
    command's effect (read your writes) without a round trip to the
    leader."""
    if index < 0:
        raise ValueError(f"synod: at_least_index({index}): the index is negative")
    return Consistency(data_pb.Consistency.AT_LEAST_INDEX, index)


@dataclass(frozen=True)
class ShardSettings:
    """The settings of a new shard. Zero in a field means the cluster's
    default (docs/api.md lists them and their caps)."""

    replicas: int = 0
    """The number of replicas: 1, 3 or 5; default 3 (capped at the number of
    hosts of a smaller cluster)."""
    fuel_limit: int = 0
    """The fuel budget of each call to the shard."""
    write_bytes_limit: int = 0
    """The most bytes one command may write."""
    write_keys_limit: int = 0
    """The most writes (sets and deletes) one command may make."""
    stored_bytes_limit: int = 0
    """The most bytes of keys and values the shard may hold."""
    idempotency_window_seconds: int = 0
    """How long the shard keeps each command's idempotency key and result;
    default a day."""


@dataclass(frozen=True)
class ProposeResult:
    """The outcome of a command the shard applied."""

    result: bytes
    """The bytes the module returned."""
    index: int
    """The log index the command was committed at: pass it to
    at_least_index to read the command's effect from any replica."""
    fuel_used: int
    """The fuel the command used."""
    replayed: bool
    """The shard had run a command with the same idempotency key before, at
    index, and returned that command's result without running this one."""
    idempotency_key: str
    """The key the command was sent with, generated unless given; "" for a
    command sent without one."""


@dataclass(frozen=True)
class QueryResult:
    """The answer to a query."""

    result: bytes
    """The bytes the module returned."""
    index: int
    """The applied index of the state the query read."""
    fuel_used: int
    """The fuel the query used."""


@dataclass(frozen=True)
class Command:
    """One command of a batch, with a key of its own."""

    data: Data
    """The command: the bytes passed to the module."""
    idempotency_key: str = ""
    """The command's key; "" generates one, unless the batch is sent
    without_idempotency_keys."""


@dataclass(frozen=True)
class CommandResult:
    """The outcome of one command of a batch: its result, or its error."""

    result: bytes
    """The bytes the module returned; b"" for a command that failed."""
    index: int
    """The log index of the command; for a replayed one, the first one's."""
    fuel_used: int
    """The fuel the command used."""
    replayed: bool
    """As ProposeResult.replayed."""
    idempotency_key: str
    """The key the command was sent with; "" for none."""
    error: SynodError | None
    """The command's failure, which says whether it was applied (an atomic
    batch's commands fail together); None if it succeeded."""


@dataclass(frozen=True)
class BatchResult:
    """The outcome of a batch: of each command."""

    results: list[CommandResult]
    """Each command's outcome, in order."""
    index: int
    """The log index the batch was committed at."""
    fuel_used: int
    """The fuel the batch's commands used."""
