"""A real ``synod dev`` for the tests: built from this repository, on a free
port, with its data and the CLI's credentials in a temporary directory that
it removes when stopped."""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]

_READY_TIMEOUT = 120.0
"""Seconds synod dev has to serve and be ready: generous, for a busy
machine."""


@dataclass(frozen=True)
class Binaries:
    """What the tests build from this repository."""

    synod: Path
    """The synod command."""
    kv_wasm: Path
    """The kv example module."""


@dataclass
class DevCluster:
    """A running synod dev."""

    url: str
    """The gateway's URL."""
    token: str
    """The admin key's token."""
    kv_wasm: Path
    """The kv example module, built for this run."""
    ca_file: Path | None
    """The CA of the gateway's certificate, for a cluster that serves
    HTTPS."""
    process: subprocess.Popen[str]
    dir: Path

    def stop(self) -> None:
        """Stops synod dev, gracefully and then by force, and removes its
        directory."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def build(dir: Path) -> Binaries:
    """Builds synod and the kv example into dir, side by side."""
    go = os.environ.get("GO", "go")
    synod, kv = dir / "synod", dir / "kv.wasm"
    commands = [
        ([go, "build", "-o", str(synod), "./cmd/synod"], {}),
        ([go, "build", "-buildmode=c-shared", "-o", str(kv), "./examples/kv"], {"GOOS": "wasip1", "GOARCH": "wasm"}),
    ]
    builds = [
        (args, subprocess.Popen(args, cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True, env={**os.environ, **env}))
        for args, env in commands
    ]
    for args, b in builds:
        _, err = b.communicate()
        if b.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: exit {b.returncode}: {err}")
    return Binaries(synod=synod, kv_wasm=kv)


def _serving_url(process: subprocess.Popen[str]) -> str:
    """Waits for synod dev's line "serving on URL" and returns the URL; the
    rest of its output is drained in the background so it never blocks."""
    assert process.stdout is not None
    deadline = time.monotonic() + _READY_TIMEOUT
    for line in process.stdout:
        if m := re.search(r"serving on (\S+)", line):
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return m.group(1)
        if time.monotonic() > deadline:
            break
    raise RuntimeError(f"synod dev exited ({process.poll()}) or said nothing of serving")


def _wait_ready(url: str, ca: Path | None) -> None:
    """Waits until the gateway at url says it is ready."""
    context = ssl.create_default_context(cafile=str(ca)) if ca else None
    deadline = time.monotonic() + _READY_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=5, context=context) as res:
                if res.status == 200:
                    return
        except OSError:
            pass  # not listening or not ready yet
        if time.monotonic() > deadline:
            raise RuntimeError(f"synod dev at {url} not ready after {_READY_TIMEOUT} s")
        time.sleep(0.1)


def _run(synod: Path, dir: Path, *args: str) -> None:
    """Runs a synod command that makes files in dir."""
    done = subprocess.run([str(synod), *args], cwd=dir, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"synod {' '.join(args)}: exit {done.returncode}: {done.stderr}")


def start(bins: Binaries, tls: bool = False) -> DevCluster:
    """Runs synod dev until it is ready, serving HTTPS with a certificate
    of a CA of its own if tls."""
    dir = Path(tempfile.mkdtemp(prefix="synod-sdk-py-"))
    try:
        data, flags, ca = dir / "data", [], None
        if tls:
            certs = dir / "certs"
            _run(bins.synod, dir, "certs", "init", "--dir", str(certs))
            _run(bins.synod, dir, "certs", "issue", "--dir", str(certs), "--name", "gateway", "--hosts", "127.0.0.1")
            flags = ["--tls-cert", str(certs / "gateway.crt"), "--tls-key", str(certs / "gateway.key")]
            ca = certs / "ca.crt"
        # synod dev saves the admin key for the CLI in the user's config
        # directory: keep it in ours. No SYNOD_ variable of the caller's
        # reaches it, since each would set a flag.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYNOD_")}
        env.update(XDG_CONFIG_HOME=str(dir / "config"), HOME=str(dir))
        process = subprocess.Popen(
            [str(bins.synod), "dev", "--listen", "127.0.0.1:0", "--data-dir", str(data), *flags],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
    except BaseException:
        shutil.rmtree(dir, ignore_errors=True)
        raise
    cluster = DevCluster(url="", token="", kv_wasm=bins.kv_wasm, ca_file=ca, process=process, dir=dir)
    try:
        cluster.url = _serving_url(process)
        _wait_ready(cluster.url, ca)
        cluster.token = (data / "admin.token").read_text().strip()
    except BaseException:
        cluster.stop()
        raise
    return cluster
