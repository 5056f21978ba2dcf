"""AsyncClient, the asyncio client: Client's calls, awaited."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any, TypeVar

from connectrpc.client import ResponseMetadata
from connectrpc.errors import ConnectError
from pyqwest import Client as HTTPClient
from pyqwest import HTTPTransport

from . import _ops
from ._config import Config, read_ca, resolve
from ._errors import from_connect
from ._gen.synod.v1 import module_pb, shard_pb
from ._gen.synod.v1.data_connect import DataServiceClient
from ._gen.synod.v1.module_connect import ModuleServiceClient
from ._gen.synod.v1.shard_connect import ShardServiceClient
from ._retry import Retry
from ._types import LINEARIZABLE, BatchResult, Command, Consistency, Data, ProposeResult, QueryResult, ShardSettings

Out = TypeVar("Out")


class AsyncClient:
    """An asyncio client of one Synod gateway, in one namespace, configured
    as Client is; each of its calls is Client's, awaited. Close it (or use
    it as an async context manager) when done."""

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
        self._transport = HTTPTransport(tls_ca_cert=pem) if pem else None
        http = HTTPClient(self._transport) if self._transport else None
        addr = self._cfg.address
        self._services: dict[_ops.Service, Any] = {
            "modules": ModuleServiceClient(addr, http_client=http),
            "shards": ShardServiceClient(addr, http_client=http),
            "data": DataServiceClient(addr, http_client=http),
        }
        self._headers = self._cfg.headers()

    @property
    def namespace(self) -> str:
        """The namespace of the modules and shards the client names."""
        return self._cfg.namespace

    async def close(self) -> None:
        """Releases the client's connections."""
        for s in self._services.values():
            await s.close()
        if self._transport:
            await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None) -> None:
        await self.close()

    async def _run(self, plan: _ops.Plan[Any, Out], timeout: float | None) -> Out:
        """As Client._run, awaited."""
        retry = Retry(plan.repeatable, time.monotonic() + (self._cfg.timeout if timeout is None else timeout))
        method = getattr(self._services[plan.service], plan.method)
        while True:
            with ResponseMetadata() as meta:
                try:
                    return plan.convert(await method(plan.request, headers=self._headers, timeout_ms=retry.timeout_ms()))
                except ConnectError as ce:
                    err = from_connect(plan.what, ce, meta.headers)
                    cause = ce
            wait = retry.after(err, cause)
            if wait is None:
                raise err from cause
            await asyncio.sleep(wait)

    async def upload_module(self, wasm: bytes, *, timeout: float | None = None) -> module_pb.Module:
        """As Client.upload_module."""
        return await self._run(_ops.upload_module(self.namespace, wasm), timeout)

    async def upload_module_file(self, path: str, *, timeout: float | None = None) -> module_pb.Module:
        """As Client.upload_module_file."""
        with open(path, "rb") as f:
            wasm = f.read()
        return await self.upload_module(wasm, timeout=timeout)

    async def get_module(self, hash: str, *, timeout: float | None = None) -> module_pb.Module:
        """As Client.get_module."""
        return await self._run(_ops.get_module(self.namespace, hash), timeout)

    async def list_modules(self, *, timeout: float | None = None) -> list[module_pb.Module]:
        """As Client.list_modules."""
        return await self._run(_ops.list_modules(self.namespace), timeout)

    async def delete_module(self, hash: str, *, timeout: float | None = None) -> None:
        """As Client.delete_module."""
        await self._run(_ops.delete_module(self.namespace, hash), timeout)

    async def create_shard(
        self, name: str, module_hash: str, settings: ShardSettings = ShardSettings(), *, timeout: float | None = None
    ) -> shard_pb.Shard:
        """As Client.create_shard."""
        return await self._run(_ops.create_shard(self.namespace, name, module_hash, settings), timeout)

    async def get_shard(self, name: str, *, timeout: float | None = None) -> shard_pb.Shard:
        """As Client.get_shard."""
        return await self._run(_ops.get_shard(self.namespace, name), timeout)

    async def list_shards(self, *, timeout: float | None = None) -> list[shard_pb.Shard]:
        """As Client.list_shards."""
        return await self._run(_ops.list_shards(self.namespace), timeout)

    async def delete_shard(self, name: str, *, timeout: float | None = None) -> None:
        """As Client.delete_shard."""
        await self._run(_ops.delete_shard(self.namespace, name), timeout)

    async def propose(
        self,
        shard: str,
        command: Data,
        *,
        idempotency_key: str | None = None,
        without_idempotency_key: bool = False,
        timeout: float | None = None,
    ) -> ProposeResult:
        """As Client.propose."""
        return await self._run(_ops.propose(self.namespace, shard, command, idempotency_key, without_idempotency_key), timeout)

    async def propose_batch(
        self,
        shard: str,
        commands: Sequence[Data | Command],
        *,
        atomic: bool = False,
        without_idempotency_keys: bool = False,
        timeout: float | None = None,
    ) -> BatchResult:
        """As Client.propose_batch."""
        return await self._run(
            _ops.propose_batch(self.namespace, shard, commands, atomic, without_idempotency_keys), timeout
        )

    async def query(
        self, shard: str, query: Data, consistency: Consistency = LINEARIZABLE, *, timeout: float | None = None
    ) -> QueryResult:
        """As Client.query."""
        return await self._run(_ops.query(self.namespace, shard, query, consistency), timeout)
