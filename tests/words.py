"""What no message to an operator may show: Python's names for types and calls.

Shared by the tests of issue 15, item 8 (tests/unit/test_messages.py, the command's
configuration tests and the configuration abuse suite).
"""

from __future__ import annotations

__all__ = ["INTERNALS", "assert_plain"]

INTERNALS = (
    "typing.",
    "Literal[",
    "<class",
    "NoneType",
    "| None",
    "-:",
    ": :",
    "object has no attribute",
    "keyword argument",
    "positional argument",
    "Traceback",
    "ClassValidationError",
    "IterableValidationError",
)
"""Fragments of Python's own words (and of an empty or dashed key) in a message."""


def assert_plain(*texts: str) -> None:
    """Fail when a text shows one of :data:`INTERNALS`."""
    for text in texts:
        for internal in INTERNALS:
            assert internal not in text, f"{internal!r} in {text!r}"
