"""What the file-delivery adapters share: safe names, temporary names, retries with backoff.

Private to :mod:`amparex_adapters.delivery`; nothing here knows a protocol.
"""

from __future__ import annotations

import errno
import logging
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import attrs

from amparex_adapters.i18n import _
from amparex_core.domain._records import frozen
from amparex_core.domain.errors import DeliveryError, DeliveryFailed
from amparex_core.domain.secret import redact as scrub  # the one scrubber

__all__ = [
    "STALE_AFTER",
    "Retry",
    "check_name",
    "check_stale_after",
    "describe",
    "is_temp_name",
    "retrying",
    "scrub",
    "sweep_stale",
    "temp_name",
    "unreachable",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_FORBIDDEN = ("/", "\\", "\x00", "\r", "\n")


def check_name(name: str, *, destination: str) -> str:
    """Refuse a remote file name that could leave the target folder or hide as a temp file.

    Args:
        name: The final remote file name of an :class:`~amparex_core.domain.parcels.OutgoingFile`.
        destination: For the error message.

    Returns:
        *name*, unchanged.

    Raises:
        DeliveryFailed: The name is empty, ``.``/``..``, starts with a dot (the prefix of
            temporary names) or holds a path separator or control character.
    """
    if (
        not name
        or name in {".", ".."}
        or name.startswith(".")
        or any(ch in name for ch in _FORBIDDEN)
    ):
        raise DeliveryFailed(
            destination=destination,
            item=name,
            reason=_("not a plain file name (no path separators, no leading dot)"),
        )
    return name


_UNREACHABLE_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EADDRNOTAVAIL}
)


def unreachable(exc: BaseException) -> bool:
    """Whether *exc* says the destination cannot be reached at all (refused, no route, no name)."""
    socket = sys.modules.get("socket")  # without it loaded, nothing raised a gaierror
    if socket is not None and isinstance(exc, socket.gaierror):
        return True
    return isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS


def temp_name(name: str) -> str:
    """A temporary name next to *name*: hidden, unique per attempt, recognisable.

    ``report.csv`` → ``.report.csv.3f9a0c1e.part``. A partly uploaded file only ever
    exists under such a name (LL8).
    """
    return f".{name}.{os.urandom(4).hex()}.part"


#: Exactly the names :func:`temp_name` makes: a dot, a name :func:`check_name` accepts,
#: a dot, eight lower-case hex digits, ``.part``.
_TEMP_NAME = re.compile(r"\.[^./\\\x00\r\n][^/\\\x00\r\n]*\.[0-9a-f]{8}\.part")

#: Default age (seconds since the last write) after which a remote temp file counts as
#: left behind by a dead upload.
STALE_AFTER = 60 * 60.0


def is_temp_name(name: str) -> bool:
    """Whether *name* is exactly a name that :func:`temp_name` makes.

    ``.report.csv.3f9a0c1e.part`` is one; ``.report.csv.part``, ``.x.123.part``,
    ``report.csv.3f9a0c1e.part`` and any path (``sub/.a.3f9a0c1e.part``) are not.
    """
    return _TEMP_NAME.fullmatch(name) is not None


def sweep_stale(
    listing: Callable[[], Iterable[tuple[str, Callable[[], float | None]]]],
    remove: Callable[[str], object],
    *,
    destination: str,
    stale_after: float,
    broken: Callable[[BaseException], bool] = lambda exc: False,
) -> tuple[int, bool]:
    """Remove the temp files of dead uploads from one folder; never raises.

    The policy every delivery shares: only names :func:`is_temp_name` accepts, only files
    whose last write is more than *stale_after* seconds ago; a folder that cannot be
    listed is a warning, a file that cannot be removed a debug line, the files removed an
    info line (a debug line when there were none).

    Args:
        listing: The folder's entries as ``(name, modification time)``; the time is asked
            for only for temp names and is ``None`` for what is no regular file (or when
            the peer does not tell).
        remove: Removes the named file from the folder.
        destination: Named in the log lines.
        stale_after: Seconds since the last write after which a temp file is dead.
        broken: Whether an error leaves the connection unusable: the sweep stops there.

    Returns:
        ``(files removed, whether the connection is still in order)``.
    """
    removed = 0
    in_order = True
    try:
        entries = list(listing())
    except Exception as exc:  # noqa: BLE001 - the sweep never fails an upload
        logger.warning(
            "could not list %s to remove stale temporary files (%s); skipped",
            destination,
            describe(exc),
        )
        return 0, not broken(exc)
    now = time.time()
    for name, modified in entries:
        if not is_temp_name(name):
            continue
        try:
            when = modified()
            if when is None or now - when <= stale_after:
                continue
            remove(name)
        except Exception as exc:  # noqa: BLE001 - gone already, or not ours to remove
            logger.debug("could not remove %r from %s (%s)", name, destination, describe(exc))
            if broken(exc):
                in_order = False
                break
            continue
        removed += 1
    logger.log(
        logging.INFO if removed else logging.DEBUG,
        "swept %d stale temporary file(s) from %s",
        removed,
        destination,
    )
    return removed, in_order


def check_stale_after(value: float) -> float:
    """Validate the ``stale_after`` option of a delivery (a finite number of seconds > 0).

    Raises:
        ValueError: *value* is not a number greater than 0 (a configuration error).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"stale_after must be a number of seconds, not {value!r}")
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"stale_after must be more than 0 seconds, not {value!r}")
    return float(value)


def describe(exc: BaseException, secrets: Sequence[str] = ()) -> str:
    """A one-line reason for an exception: its type and message, never more.

    Args:
        exc: The exception.
        secrets: Values to mask as ``********`` (a peer may echo a password back).
    """
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    kind = type(exc).__name__
    return scrub(f"{kind}: {text}" if text else kind, secrets)


@frozen
class Retry:
    """How often and how patiently a delivery retries transient errors.

    Attributes:
        attempts: Attempts in all (1 means no retry).
        backoff: Seconds to wait before the second attempt; doubles each time.
        max_backoff: Upper bound of one wait.
    """

    attempts: int = attrs.field(default=3, validator=attrs.validators.ge(1))
    backoff: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_backoff: float = attrs.field(default=10.0, validator=attrs.validators.ge(0))

    def delays(self) -> list[float]:
        """The waits between attempts, in order (``attempts - 1`` of them)."""
        return [min(self.backoff * 2**i, self.max_backoff) for i in range(self.attempts - 1)]


def retrying(
    action: Callable[[], T],
    *,
    retry: Retry,
    destination: str,
    item: str,
    is_transient: Callable[[BaseException], bool],
    on_failure: Callable[[], None] = lambda: None,
    sleep: Callable[[float], None] = time.sleep,
    secrets: Sequence[str] = (),
    refuses_destination: Callable[[BaseException], bool] = lambda _exc: False,
) -> T:
    """Run *action*, retrying transient errors with exponential backoff.

    Args:
        action: One complete attempt.
        retry: Attempts and backoff.
        destination: For messages (never holds a password).
        item: The file or parcel, for messages.
        is_transient: Whether an error is worth another attempt.
        on_failure: Called after every failed attempt (drop a broken connection).
            Each retry is logged at info level: the item, the destination, the reason
            (scrubbed of *secrets*), the next attempt's number and the wait.
        sleep: Waits between attempts.
        secrets: Values masked in reasons and log lines (the login's password and
            passphrase: a peer may quote them back). An error that quotes one is not
            chained to the failure, so no traceback shows it either.
        refuses_destination: Whether an error means the destination itself refused (its
            login, its address) rather than the item: the failure then says so
            (``destination_refused``), so a run does not try the next item there.

    Returns:
        What *action* returned.

    Raises:
        DeliveryError: An :class:`~amparex_core.domain.errors.AmparexError` of *action*
            passes through unchanged (a rejected host key is never retried).
        DeliveryFailed: Every attempt failed, or a permanent error occurred.
    """
    delays = retry.delays()
    attempt = 0
    while True:
        attempt += 1
        try:
            return action()
        except DeliveryError:
            on_failure()
            raise
        except Exception as exc:
            on_failure()
            transient = is_transient(exc)
            reason = describe(exc, secrets)
            if not transient or attempt > len(delays):
                suffix = f" (after {attempt} attempts)" if attempt > 1 else ""
                failed = DeliveryFailed(
                    destination=destination,
                    item=item,
                    reason=reason + suffix,
                    destination_refused=refuses_destination(exc),
                )
                if secrets and scrub(str(exc), secrets) != str(exc):
                    # The error quotes a secret (on any line): do not chain it.
                    raise failed from None
                raise failed from exc
            delay = delays[attempt - 1]
            logger.info(
                "delivery of %r to %s failed (%s); attempt %d of %d in %.1f s",
                item,
                destination,
                reason,
                attempt + 1,
                retry.attempts,
                delay,
            )
            sleep(delay)
