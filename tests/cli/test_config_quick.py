"""The direct structuring of the configuration agrees with the cattrs converter (issue 16).

:func:`amparex_adapters.cli._structure.structure` takes well-formed data without cattrs
and leaves everything else to the converter. For random sections, right and wrong: where
the direct way succeeds the converter succeeds with the same configuration, and where it
declines the converter refuses too (or takes a type the direct way leaves to it).
"""

from __future__ import annotations

import random
import typing
from typing import Any

import attrs
import pytest

from amparex_adapters.cli import _structure
from amparex_adapters.cli.config import Config

_POOL: tuple[object, ...] = (
    "x",
    "starttls",
    "plain",
    "startup",
    "server",
    "contact",
    "2.50",
    "-1",
    "abc",
    3,
    0,
    -2,
    2.5,
    1e9,
    True,
    False,
    [],
    ["a"],
    ["a", 1],
    {},
    {"a": 1},
    {"kind": "folder"},
)


def _value(rng: random.Random, tp: Any) -> object:
    if isinstance(tp, type) and attrs.has(tp):
        hints = typing.get_type_hints(tp)
        table: dict[str, object] = {
            f.name: _value(rng, hints[f.name])
            for f in attrs.fields(tp)
            if f.name not in ("path", "base") and rng.random() < 0.4
        }
        if rng.random() < 0.03:
            table["bogus"] = 1
        return table
    if rng.random() < 0.15:
        return rng.choice(_POOL)
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    origin = typing.get_origin(tp)
    if origin in (typing.Union, type(int | None)):
        return _value(rng, args[0])
    if origin is typing.Literal:
        return rng.choice(args)
    if origin is list:
        return [_value(rng, args[0]) for _ in range(rng.randint(0, 3))]
    if origin is dict:
        return {"k": rng.choice(_POOL)}
    return {str: "s", int: 7, float: 1.5, bool: True}.get(tp, rng.choice(["2.50", "1", 3]))


@pytest.mark.parametrize("seed", range(4))
def test_the_direct_way_agrees_with_cattrs(seed: int) -> None:
    rng = random.Random(seed)
    converter = _structure.converter()
    quick = 0
    for _ in range(500):
        data = _value(rng, Config)
        assert isinstance(data, dict)
        try:
            direct: Config | None = _structure._quick(dict(data), Config)
        except _structure._Unsure:
            direct = None
        try:
            expected: Config | None = converter.structure(dict(data), Config)
        except Exception:  # noqa: BLE001 - any refusal of cattrs
            expected = None
        assert (direct is None) == (expected is None), data
        if direct is not None:
            quick += 1
            assert repr(direct) == repr(expected)
    assert quick > 0
