"""The client's settings: its arguments, then the environment, then the defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlparse

DEFAULT_ADDRESS = "http://127.0.0.1:7070"
"""Where ``synod dev`` serves: the address when neither the argument nor
``SYNOD_ADDR`` gives one."""

DEFAULT_NAMESPACE = "default"
"""The namespace every cluster has."""

DEFAULT_TIMEOUT = 120.0
"""The seconds a call may take, retries included, when neither the call nor
the client sets a timeout: as long as the gateway gives an upload (which
compiles the module on every host). Give data calls a shorter one."""

_ENV_ADDR = "SYNOD_ADDR"
_ENV_TOKEN = "SYNOD_TOKEN"
_ENV_NAMESPACE = "SYNOD_NAMESPACE"
_ENV_CA = "SYNOD_TLS_CA"


@dataclass(frozen=True)
class Config:
    """What a client was configured with, defaults and environment applied."""

    address: str
    token: str
    namespace: str
    ca_file: str
    timeout: float

    def headers(self) -> dict[str, str]:
        """The headers of every call: the API key as a bearer token, if
        there is one."""
        return {"authorization": f"Bearer {self.token}"} if self.token else {}


def resolve(
    address: str | None,
    token: str | None,
    namespace: str | None,
    ca_file: str | None,
    timeout: float | None,
) -> Config:
    """Applies the arguments over the environment and the defaults, as the
    synod CLI does, and checks the result."""
    cfg = Config(
        address=address or os.environ.get(_ENV_ADDR) or DEFAULT_ADDRESS,
        token=os.environ.get(_ENV_TOKEN, "") if token is None else token,
        namespace=namespace or os.environ.get(_ENV_NAMESPACE) or DEFAULT_NAMESPACE,
        ca_file=ca_file or os.environ.get(_ENV_CA) or "",
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
    )
    url = urlparse(cfg.address)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ValueError(f"synod: address {cfg.address!r}: want a URL such as {DEFAULT_ADDRESS}")
    if cfg.timeout <= 0:
        raise ValueError(f"synod: timeout {cfg.timeout} is not positive")
    return cfg


def read_ca(ca_file: str) -> bytes | None:
    """Returns the PEM certificates in ca_file, or None for "" (the system's
    roots)."""
    if not ca_file:
        return None
    try:
        with open(ca_file, "rb") as f:
            pem = f.read()
    except OSError as e:
        raise ValueError(f"synod: read CA file: {e}") from e
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        raise ValueError(f"synod: CA file {ca_file} holds no PEM certificate")
    return pem
