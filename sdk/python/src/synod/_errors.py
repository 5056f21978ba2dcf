"""SynodError, the one exception every call raises, made from Connect's."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._gen.synod.v1 import data_pb

FUEL_USED_HEADER = "synod-fuel-used"
"""The response header that carries the fuel a Propose or Query used, on
its failures too."""


class Applied(enum.Enum):
    """Whether a failed command took effect; its value names it as the API
    does."""

    UNKNOWN = "unknown"
    """The command may or may not have been applied (the connection failed,
    or the call ended, after it may have reached the shard's log): the safe
    assumption when nothing says otherwise."""
    NO = "no"
    """The command certainly was not applied; sending it again is safe."""
    YES = "yes"
    """The command took its place in the log and ran, but the module
    rejected it or it trapped, so none of its writes were kept. Sending it
    again runs it again."""


@dataclass(frozen=True)
class ApplicationError:
    """A module's rejection of a command or query: its code and message."""

    code: int
    """The module's error code (the kv example's 409 is a cas mismatch)."""
    message: str
    """The module's message."""


class SynodError(Exception):
    """The failure of a call, or of one command of a batch.

    ``str()`` says what failed, the code and the message.
    """

    code: Code
    """Connect's code: ``Code.FAILED_PRECONDITION`` for a module's
    rejection, ``Code.ABORTED`` for a trap, ``Code.UNAVAILABLE`` for a shard
    without a leader or a connection that failed, and so on (docs/api.md).
    ``code.value`` is its name, such as ``"failed_precondition"``."""
    message: str
    """What went wrong, as the gateway said it."""
    applied: Applied
    """Whether a failed command (of propose or propose_batch) was applied.
    Other calls leave it ``Applied.UNKNOWN``, or ``Applied.NO`` when the
    gateway refused the caller."""
    application: ApplicationError | None
    """The module's error, when the module rejected the command or query."""
    fuel_used: int
    """The fuel the failed command or query used."""

    def __init__(
        self,
        what: str,
        code: Code,
        message: str,
        applied: Applied = Applied.UNKNOWN,
        application: ApplicationError | None = None,
        fuel_used: int = 0,
    ) -> None:
        super().__init__(f"synod: {what}: {code.value}: {message}")
        self.code = code
        self.message = message
        self.applied = applied
        self.application = application
        self.fuel_used = fuel_used


def applied_of(a: data_pb.Applied) -> Applied:
    """Maps the API's Applied to the SDK's; unspecified is unknown."""
    if a == data_pb.Applied.NO:
        return Applied.NO
    if a == data_pb.Applied.YES:
        return Applied.YES
    return Applied.UNKNOWN


def from_connect(what: str, e: ConnectError, headers: Mapping[str, str]) -> SynodError:
    """Makes the SynodError of a call that failed with e. Applied comes from
    the ProposeFailure detail when the gateway attached one; without it, the
    gateway never decided the call (the connection failed, or a proxy
    answered), so the command's fate is unknown, unless the gateway refused
    the caller, which it does before anything runs."""
    applied = Applied.UNKNOWN
    if e.code in (Code.UNAUTHENTICATED, Code.PERMISSION_DENIED):
        applied = Applied.NO
    application = None
    for d in e.details:
        if (failure := d.value(data_pb.ProposeFailure)) is not None:
            applied = applied_of(failure.applied)
        elif (ae := d.value(data_pb.ApplicationError)) is not None:
            application = ApplicationError(code=ae.code, message=ae.message)
    fuel = headers.get(FUEL_USED_HEADER, "")
    return SynodError(
        what,
        e.code,
        e.message,
        applied=applied,
        application=application,
        fuel_used=int(fuel) if fuel.isdigit() else 0,
    )


def from_command_error(what: str, ce: data_pb.CommandError, fuel_used: int) -> SynodError:
    """Makes the SynodError of one failed command of a batch."""
    try:
        code = Code(ce.code)
    except ValueError:
        code = Code.UNKNOWN
    application = None
    if ce.application_error is not None:
        application = ApplicationError(code=ce.application_error.code, message=ce.application_error.message)
    return SynodError(
        what,
        code,
        ce.message,
        applied=applied_of(ce.applied),
        application=application,
        fuel_used=fuel_used,
    )
