"""Secrets that never show up in output (CO1)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

import attrs

from ._records import frozen

__all__ = ["REDACTED", "Secret", "SecretRef", "redact"]

_REF_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")

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
        import hmac  # loads OpenSSL: only when secrets are compared

        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:
        return (Secret, (self._value,))


def _check_ref_name(_ref: object, _attribute: object, name: str) -> None:
    if not _REF_NAME.fullmatch(str(name)):
        raise ValueError(
            f"a secret's name is a letter and up to 63 letters, digits, _ . -: {name!r}"
        )


@frozen
class SecretRef:
    """Where a secret is kept, in place of its value (OP6).

    A store never keeps a secret's value: a configuration that needs one (the card
    contract's key) holds a reference to the entry that keeps it — in the ``amparex``
    command the name of a secret of the environment or the secrets file (``card_key``:
    ``AMPAREX_CARD_KEY``, or ``card_key = "…"`` in the owner-only secrets file), in a host
    application the name of an entry of its own secret store. Who needs the value
    resolves the reference where it runs.

    >>> ref = SecretRef("card_key")
    >>> ref, str(ref)
    (SecretRef(name='card_key'), 'card_key')
    >>> SecretRef("card key")
    Traceback (most recent call last):
    ...
    ValueError: a secret's name is a letter and up to 63 letters, digits, _ . -: 'card key'
    """

    name: str = attrs.field(validator=_check_ref_name)

    def __str__(self) -> str:
        return self.name


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
    import json  # only a run that has secrets to redact

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
