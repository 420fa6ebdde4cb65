"""Helpers of the abuse suite: run a parser on hostile input and judge what came out.

Every parser of outside input must either work or refuse with an
:class:`~amparex_core.domain.errors.AmparexError` that has a stable code and a non-empty
English and German message; any other exception is a bug that :func:`outcome` turns into a
test failure naming the input.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from amparex_core.domain.errors import AmparexError

__all__ = ["assert_refusal", "outcome", "snapshot", "toml_document", "toml_inline"]

T = TypeVar("T")

_CODE = re.compile(r"[a-z_]+(\.[a-z_]+)+")


def assert_refusal(
    error: AmparexError, *, code: str | None = None, names: str | None = None
) -> AmparexError:
    """Check that *error* is a clear refusal: a code and both messages, naming *names*.

    Args:
        error: The refusal.
        code: The code it must have (any well-formed code when ``None``).
        names: Text both messages must contain (the key, field or value at fault).
    """
    assert _CODE.fullmatch(error.code), error.code
    if code is not None:
        assert error.code == code, f"{error.code} != {code}: {error}"
    english, german = error.message("en"), error.message("de")
    assert english.strip() and german.strip()
    assert str(error) == english
    assert english != german or error.en == error.de, "the German message is missing"
    if names is not None:
        assert names in english, f"{names!r} not in {english!r}"
        assert names in german, f"{names!r} not in {german!r}"
    return error


def outcome(call: Callable[[], T], what: object) -> T | AmparexError:
    """The result of *call*, or the :class:`AmparexError` it raised; anything else fails."""
    try:
        return call()
    except AmparexError as error:
        return assert_refusal(error)
    except Exception as exc:  # that is the bug this suite looks for
        raise AssertionError(
            f"{type(exc).__name__} instead of an AmparexError for {what!r}: {exc}"
        ) from exc


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under *folder* (relative path -> content), to prove nothing was written."""
    found: dict[str, bytes] = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root, name)
            found[str(path.relative_to(folder))] = path.read_bytes()
    return found


def _toml_value(value: object) -> str:
    import datetime as dt
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON escapes are TOML escapes
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
        )
    raise TypeError(value)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def toml_inline(data: dict[str, object]) -> str:
    """*data* as ``key = value`` lines, nested tables inline (the body of a ``[[table]]``)."""
    return "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in data.items())


def toml_document(data: dict[str, object]) -> str:
    """*data* as TOML text: one ``[table]`` per top-level table, the rest inline."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, object]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, table in tables:
        lines.append(f"[{_toml_key(key)}]")
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"
