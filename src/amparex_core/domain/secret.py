"""Secrets that never show up in output (CO1)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from typing import Final

__all__ = ["REDACTED", "Secret", "redact"]

REDACTED: Final = "********"


class Secret:
    """A secret string (card-contract key, password) whose ``repr`` and ``str`` are redacted.

    The value is reached only by the explicit :meth:`reveal` call, so a secret cannot slip
    into a log line, an error message, a ``repr`` of a configuration or an f-string.

    >>> key = Secret("s3cr3t")
    >>> key
    Secret('********')
    >>> f"{key}"
    '********'
    >>> key.reveal()
    's3cr3t'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret holds a str")
        self._value = value

    def reveal(self) -> str:
        """Return the secret value. Call it only where the value is sent to its peer."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return format(REDACTED, spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:
        return (Secret, (self._value,))


def redact(text: str, values: Iterable[str]) -> str:
    """*text* with every one of *values* replaced by ``********``.

    A value is also found as ``repr``, ``ascii`` and JSON quote it (a message that writes
    ``{value!r}`` escapes quotes, backslashes and non-ASCII characters). Values shorter
    than three characters are left alone (masking them would mangle ordinary words); the
    longest go first, so that a value holding another is masked whole. The one scrubber of
    messages from peers and of the command's output.

    >>> redact("login as shop with 's3cret' refused", ["s3cret"])
    "login as shop with '********' refused"
    """
    forms = {
        form
        for value in values
        for form in (
            value,
            repr(value)[1:-1],
            ascii(value)[1:-1],
            json.dumps(value)[1:-1],
            json.dumps(value, ensure_ascii=False)[1:-1],
        )
        if len(form) >= 3
    }
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text
