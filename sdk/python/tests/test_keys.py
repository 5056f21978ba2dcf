"""Generated idempotency keys."""

from __future__ import annotations

import time

from synod._ops import new_key


def test_generated_keys_rise_with_time() -> None:
    """A key starts with the time it was made (Unix milliseconds, 12 hex
    digits), so later keys sort after earlier ones; two keys made in the
    same millisecond differ."""
    before = time.time_ns() // 1_000_000
    first, same = new_key(), new_key()
    assert first != same
    ms = int(first[:12], 16)
    assert before <= ms <= time.time_ns() // 1_000_000, f"key {first!r} does not start with the time"
    while time.time_ns() // 1_000_000 == ms:
        pass  # until the next millisecond
    assert new_key() > first
    assert len(first) == 12 + 26
