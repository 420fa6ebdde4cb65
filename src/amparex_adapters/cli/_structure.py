"""How the TOML of the configuration becomes a :class:`~amparex_adapters.cli.config.Config`.

Private to :mod:`amparex_adapters.cli.config`: the strict cattrs converter (no extra keys,
no value of the wrong type) and the reading of its first problem as a dotted key.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final

__all__ = ["first_problem", "make_converter"]

_MAX_AMOUNT: Final = Decimal(1_000_000)


def make_converter() -> Any:
    """The strict converter of the configuration's TOML."""
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=True)

    def decimal(value: object, _type: object) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f'a decimal amount such as "2.50" expected, not {value!r}')
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f'a decimal amount such as "2.50" expected, not {value!r}') from None
        if not amount.is_finite() or amount < 0 or amount >= _MAX_AMOUNT:
            raise ValueError(f"a non-negative amount below 1,000,000 expected, not {value!r}")
        return amount

    def text(value: object, _type: object) -> str:
        if not isinstance(value, str):
            raise ValueError(f"a string expected, not {value!r}")
        return value

    def integer(value: object, _type: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"an integer expected, not {value!r}")
        return value

    def number(value: object, _type: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"a number expected, not {value!r}")
        return float(value)

    def boolean(value: object, _type: object) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"true or false expected, not {value!r}")
        return value

    converter.register_structure_hook(Decimal, decimal)
    converter.register_structure_hook(str, text)
    converter.register_structure_hook(int, integer)
    converter.register_structure_hook(float, number)
    converter.register_structure_hook(bool, boolean)
    return converter


_WHERE = re.compile(r"^(?P<message>.*?) @ \$(?P<path>.*)$")


def first_problem(exc: Exception) -> tuple[str, str]:
    """The dotted key and the reason of the first problem cattrs found."""
    import cattrs

    messages = cattrs.transform_error(exc, path="$")
    if not messages:  # pragma: no cover - cattrs always names one
        return "-", str(exc)
    found = _WHERE.match(messages[0])
    if not found:  # pragma: no cover - cattrs always appends the path
        return "-", messages[0]
    path = found["path"].lstrip(".")
    path = re.sub(r"\[(\d+)\]", r".\1", path)
    path = re.sub(r"\['([^']*)'\]", r".\1", path).lstrip(".")
    message = found["message"]
    if message.startswith("unknown error (") and message.endswith(")"):
        message = message[len("unknown error (") : -1]
    message = message.replace("invalid value for type, expected", "wrong value, expected")
    extra = re.match(r"extra fields found \((?P<keys>.*)\)", message)
    if extra:
        key = extra["keys"].split(",")[0].strip()
        return (f"{path}.{key}" if path else key), "unknown key"
    if message.startswith("required field missing"):
        return path, "required key missing"
    return path or "-", message
