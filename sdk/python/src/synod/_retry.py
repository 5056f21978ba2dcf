"""When a failed call is tried again, and after how long: the rules of the
Go SDK (sdk/go/retry.go), shared by the sync and async clients."""

from __future__ import annotations

import math
import random
import time

from connectrpc.code import Code

from ._errors import Applied, SynodError

MIN_BACKOFF = 0.025
"""The first wait between attempts, in seconds; it doubles up to
MAX_BACKOFF, each wait drawn at random from its upper half, so that clients
that failed together do not come back together."""
MAX_BACKOFF = 1.0
"""The longest wait between attempts, in seconds."""

_PASSING = frozenset({Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.CANCELED, Code.UNKNOWN})
"""The codes of failures that may pass: no leader yet, a host or connection
lost, the gateway's own deadline, a stream reset. None is the caller's
doing while the call's deadline is still ahead."""


class Retry:
    """The retry state of one call, which ends at deadline (a time.monotonic
    value). repeatable says whether the call may run again whatever became
    of an earlier attempt: a command with an idempotency key (the shard runs
    it at most once), or a query."""

    def __init__(self, repeatable: bool, deadline: float) -> None:
        self._repeatable = repeatable
        self._deadline = deadline
        self._wait = MIN_BACKOFF
        self._unknown = False

    def timeout_ms(self) -> int:
        """Returns what is left of the call's time for the next attempt, in
        whole milliseconds (rounded up, so that a live deadline is never 0);
        0 or less when the deadline has passed."""
        return math.ceil((self._deadline - time.monotonic()) * 1000)

    def after(self, e: SynodError, cause: BaseException) -> float | None:
        """Takes an attempt's failure, e (from cause), and returns the
        seconds to wait before the next attempt, or None to give up and
        raise e. It marks e applied UNKNOWN when an earlier attempt may have
        been applied."""
        # An attempt that was not applied says nothing of the earlier ones:
        # if one of them may have been, so may the call.
        if self._unknown and e.applied == Applied.NO:
            e.applied = Applied.UNKNOWN
        self._unknown = self._unknown or e.applied == Applied.UNKNOWN
        if not self._retryable(e, cause):
            return None
        wait = self._wait / 2 + random.uniform(0, self._wait / 2)
        self._wait = min(2 * self._wait, MAX_BACKOFF)
        if time.monotonic() + wait >= self._deadline:
            return None  # the next attempt could not start in time
        return wait

    def _retryable(self, e: SynodError, cause: BaseException) -> bool:
        """Reports whether a call that failed with e is worth another
        attempt: its failure may pass, and another attempt is safe, because
        this one certainly was not applied or because the call is
        repeatable."""
        if e.code not in _PASSING or self.timeout_ms() <= 0 or _bad_certificate(cause):
            return False
        return e.applied == Applied.NO or (self._repeatable and e.applied == Applied.UNKNOWN)


def _bad_certificate(e: BaseException | None) -> bool:
    """Reports whether e, or what caused it, is a TLS certificate that did
    not verify, which another attempt will not change. The HTTP client
    says so only in its messages."""
    while e is not None:
        if "certificate" in str(e).lower():
            return True
        e = e.__cause__
    return False
