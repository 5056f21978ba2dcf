"""Client, the synchronous client."""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any, TypeVar

from connectrpc.client import ResponseMetadata
from connectrpc.errors import ConnectError
from pyqwest import SyncClient, SyncHTTPTransport

from . import _ops
from ._config import Config, read_ca, resolve
from ._errors import from_connect
from ._gen.synod.v1 import module_pb, shard_pb
from ._gen.synod.v1.data_connect import DataServiceClientSync
from ._gen.synod.v1.module_connect import ModuleServiceClientSync
from ._gen.synod.v1.shard_connect import ShardServiceClientSync
from ._retry import Retry
from ._types import LINEARIZABLE, BatchResult, Command, Consistency, Data, ProposeResult, QueryResult, ShardSettings

Out = TypeVar("Out")


class Client:
    """A synchronous client of one Synod gateway, in one namespace; safe to
    share between threads. Close it (or use it as a context manager) when
    done.

    Each setting left None comes from the environment, as the synod CLI
    reads it: the gateway's URL (address, else SYNOD_ADDR, else
    http://127.0.0.1:7070), the API key sent as "Authorization: Bearer
    <token>" (token, else SYNOD_TOKEN, else none; "" sends none), the
    namespace (else SYNOD_NAMESPACE, else "default"), and the PEM file of
    the CA that signed an https:// gateway's certificate (ca_file, else
    SYNOD_TLS_CA, else the system's roots). timeout is the seconds a call
    may take, retries included, unless the call says otherwise (default
    DEFAULT_TIMEOUT).

    Every call raises SynodError when it fails.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        token: str | None = None,
        namespace: str | None = None,
        ca_file: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self._cfg: Config = resolve(address, token, namespace, ca_file, timeout)
        pem = read_ca(self._cfg.ca_file)
        self._transport = SyncHTTPTransport(tls_ca_cert=pem) if pem else None
        http = SyncClient(self._transport) if self._transport else None
        addr = self._cfg.address
        self._services: dict[_ops.Service, Any] = {
            "modules": ModuleServiceClientSync(addr, http_client=http),
            "shards": ShardServiceClientSync(addr, http_client=http),
            "data": DataServiceClientSync(addr, http_client=http),
        }
        self._headers = self._cfg.headers()

    @property
    def namespace(self) -> str:
        """The namespace of the modules and shards the client names."""
        return self._cfg.namespace

    def close(self) -> None:
        """Releases the client's connections."""
        for s in self._services.values():
            s.close()
        if self._transport:
            self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None) -> None:
        self.close()

    def _run(self, plan: _ops.Plan[Any, Out], timeout: float | None) -> Out:
        """Makes plan's call, with its deadline and, if repeatable, its
        retries, and returns its result or raises SynodError."""
        retry = Retry(plan.repeatable, time.monotonic() + (self._cfg.timeout if timeout is None else timeout))
        method = getattr(self._services[plan.service], plan.method)
        while True:
            with ResponseMetadata() as meta:
                try:
                    return plan.convert(method(plan.request, headers=self._headers, timeout_ms=retry.timeout_ms()))
                except ConnectError as ce:
                    err = from_connect(plan.what, ce, meta.headers)
                    cause = ce
            wait = retry.after(err, cause)
            if wait is None:
                raise err from cause
            time.sleep(wait)

    def upload_module(self, wasm: bytes, *, timeout: float | None = None) -> module_pb.Module:
        """Validates and stores a WebAssembly module, and returns its
        metadata; its hash names it from then on. Uploading the same bytes
        again is harmless: modules are content-addressed."""
        return self._run(_ops.upload_module(self.namespace, wasm), timeout)

    def upload_module_file(self, path: str, *, timeout: float | None = None) -> module_pb.Module:
        """Uploads the WebAssembly module in the file at path, as
        upload_module does."""
        with open(path, "rb") as f:
            return self.upload_module(f.read(), timeout=timeout)

    def get_module(self, hash: str, *, timeout: float | None = None) -> module_pb.Module:
        """Returns the metadata of the module with the given hash."""
        return self._run(_ops.get_module(self.namespace, hash), timeout)

    def list_modules(self, *, timeout: float | None = None) -> list[module_pb.Module]:
        """Returns the metadata of every module of the namespace, ordered by
        hash."""
        return self._run(_ops.list_modules(self.namespace), timeout)

    def delete_module(self, hash: str, *, timeout: float | None = None) -> None:
        """Deletes the module with the given hash; fails with
        failed_precondition while a shard runs it."""
        self._run(_ops.delete_module(self.namespace, hash), timeout)

    def create_shard(
        self, name: str, module_hash: str, settings: ShardSettings = ShardSettings(), *, timeout: float | None = None
    ) -> shard_pb.Shard:
        """Creates a shard named name that runs the module with the given
        hash, and waits until it has a leader."""
        return self._run(_ops.create_shard(self.namespace, name, module_hash, settings), timeout)

    def get_shard(self, name: str, *, timeout: float | None = None) -> shard_pb.Shard:
        """Describes the shard named name, with its current leader and
        applied index."""
        return self._run(_ops.get_shard(self.namespace, name), timeout)

    def list_shards(self, *, timeout: float | None = None) -> list[shard_pb.Shard]:
        """Describes every shard of the namespace, ordered by name."""
        return self._run(_ops.list_shards(self.namespace), timeout)

    def delete_shard(self, name: str, *, timeout: float | None = None) -> None:
        """Stops every replica of the shard named name and deletes its
        state."""
        self._run(_ops.delete_shard(self.namespace, name), timeout)

    def propose(
        self,
        shard: str,
        command: Data,
        *,
        idempotency_key: str | None = None,
        without_idempotency_key: bool = False,
        timeout: float | None = None,
    ) -> ProposeResult:
        """Sends a command to the module of the shard, waits until a majority
        has committed it and it has been applied, and returns the module's
        result. It is linearizable, and exactly once: the command goes with
        idempotency_key (up to 255 bytes), else a generated one, and is sent
        again with the same key, with backoff, while its outcome is unknown,
        until the call's deadline. without_idempotency_key sends it without
        a key, never again unless the gateway says it was not applied. A
        failure is a SynodError that says whether the command was applied."""
        return self._run(_ops.propose(self.namespace, shard, command, idempotency_key, without_idempotency_key), timeout)

    def propose_batch(
        self,
        shard: str,
        commands: Sequence[Data | Command],
        *,
        atomic: bool = False,
        without_idempotency_keys: bool = False,
        timeout: float | None = None,
    ) -> BatchResult:
        """Sends 1 to 256 commands to the module of the shard, committed in
        one log entry, and returns each one's outcome. An atomic batch keeps
        the writes of every command or of none. Like propose, it gives each
        command a key (unless without_idempotency_keys) and retries the
        batch while its outcome is unknown if every command has one. A
        failure of the call raises SynodError; each command's own failure is
        in its CommandResult."""
        return self._run(_ops.propose_batch(self.namespace, shard, commands, atomic, without_idempotency_keys), timeout)

    def query(
        self, shard: str, query: Data, consistency: Consistency = LINEARIZABLE, *, timeout: float | None = None
    ) -> QueryResult:
        """Runs a read-only query against the module of the shard, at the
        given consistency (LINEARIZABLE, STALE or at_least_index(n)). A
        query changes nothing, so it is retried like a keyed command."""
        return self._run(_ops.query(self.namespace, shard, query, consistency), timeout)
