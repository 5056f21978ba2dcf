"""The README's example runs, and prints what the README says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import KV

EXAMPLE = Path(__file__).resolve().parents[1] / "example" / "quickstart.py"


def test_quickstart(kv: KV) -> None:
    env = {**os.environ, "SYNOD_ADDR": kv.cluster.url, "SYNOD_TOKEN": kv.cluster.token}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), str(kv.cluster.kv_wasm)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "replayed: True, same index: True",
        '{"key":"greeting","value":"hello","found":true}',
        "failed_precondition, applied: yes, module code: 409",
    ]
