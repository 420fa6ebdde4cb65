"""Parsed TOML into the configuration's classes, and what a problem reads like.

Private to :mod:`amparex_adapters.cli.config`. The converter takes values strictly as
TOML writes them (a string is no list, ``true`` is no number), and a problem is told in
the operator's words: the dotted TOML key at fault and a reason such as ``a string
expected, not 3`` or ``one of "starttls", "tls" or "plain" expected, not "ssl"`` — never
a Python type (``str | None``, ``typing.Literal[…]``). An unknown key gets a did-you-mean
over the keys of its table.

Well-formed configuration is structured by :func:`structure` directly, with the
converter's own hooks; cattrs (and the code it generates for each class) is only needed
for a file with a problem, or a type the direct way does not know.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs

from amparex_adapters.i18n import N_, _

__all__ = ["converter", "did_you_mean", "first_problem", "known_keys", "shown", "structure"]

_MAX_AMOUNT: Final = Decimal(1_000_000)
_INTERNAL: Final = frozenset({"options", "path", "base"})
"""Attributes of the configuration's classes that are no keys of the file."""


class _Wrong(ValueError):
    """A value of the wrong type or form; its text is the reason shown to the operator."""


def shown(value: object) -> str:
    """*value* as TOML would write it (``"ssl"``, ``3``, ``true``, ``[1, 2]``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | list):
        try:
            import json

            return json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):  # pragma: no cover - TOML values are JSON values
            pass
    if isinstance(value, dict):
        return "a table"
    return str(value)


def _words(tp: Any) -> str:
    """What a value of type *tp* is, in the operator's words."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _(" or ").join(_words(a) for a in options)
    if origin is typing.Literal:
        return _("one of {choices}").format(
            choices=_one_of([shown(a) for a in typing.get_args(tp)])
        )
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        return _("a list of strings") if item is str else _("a list")
    if origin is dict or tp is dict or attrs.has(tp):
        return _("a table")
    return _(
        {
            str: N_("a string"),
            int: N_("an integer"),
            float: N_("a number"),
            bool: N_("true or false"),
            Decimal: N_('a decimal amount such as "2.50"'),
        }.get(tp, N_("another value"))
    )


def _one_of(choices: Sequence[str]) -> str:
    if len(choices) == 1:
        return choices[0]
    return _("{items} or {last}").format(items=", ".join(choices[:-1]), last=choices[-1])


def _wrong(value: object, tp: Any) -> _Wrong:
    return _Wrong(_("{what} expected, not {value}").format(what=_words(tp), value=shown(value)))


def _decimal(value: object, tp: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _wrong(value, tp)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _wrong(value, tp) from None
    if not amount.is_finite() or amount < 0 or amount >= _MAX_AMOUNT:
        raise _Wrong(
            _("a non-negative amount below 1,000,000 expected, not {value}").format(
                value=shown(value)
            )
        )
    return amount


def _text(value: object, tp: Any) -> str:
    if not isinstance(value, str):
        raise _wrong(value, tp)
    return value


def _integer(value: object, tp: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong(value, tp)
    return value


def _number(value: object, tp: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(value, tp)
    return float(value)


def _boolean(value: object, tp: Any) -> bool:
    if not isinstance(value, bool):
        raise _wrong(value, tp)
    return value


def _literal(value: object, tp: Any) -> Any:
    if value not in typing.get_args(tp) or not isinstance(value, str):
        raise _wrong(value, tp)
    return value


def _is_optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and type(
        None
    ) in typing.get_args(tp)


_SCALARS: Final[dict[Any, Callable[[object, Any], Any]]] = {
    Decimal: _decimal,
    str: _text,
    int: _integer,
    float: _number,
    bool: _boolean,
}


def converter() -> Any:
    """A cattrs converter for the configuration: strict types, operators' reasons."""
    import cattrs

    conv = cattrs.Converter(forbid_extra_keys=True)

    def listing(value: object, tp: Any) -> list[Any]:
        if not isinstance(value, list):
            raise _wrong(value, tp)
        (item,) = typing.get_args(tp) or (Any,)
        found = []
        for index, element in enumerate(value, start=1):
            try:
                found.append(conv.structure(element, item))
            except _Wrong as exc:
                raise _Wrong(_("item {index}: {reason}").format(index=index, reason=exc)) from None
        return found

    def optional(value: object, tp: Any) -> Any:
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or len(inner) != 1:  # pragma: no cover - TOML has no null
            raise _wrong(value, tp)
        return conv.structure(value, inner[0])

    for tp, hook in _SCALARS.items():
        conv.register_structure_hook(tp, hook)
    conv.register_structure_hook_func(_origin_is(typing.Literal), _literal)
    conv.register_structure_hook_func(_origin_is(list), listing)
    conv.register_structure_hook_func(_is_optional, optional)
    return conv


class _Unsure(Exception):
    """The quick structuring leaves this value to cattrs (a problem, or an unusual type)."""


def structure(data: Any, root: type) -> Any:
    """*data* as an instance of the attrs class *root*, as :func:`converter` makes it.

    Well-formed data of the configuration's plain types (attrs classes, ``str``, ``int``,
    ``float``, ``bool``, ``Decimal``, string ``Literal``, ``list``, optional values,
    ``dict[str, Any]``) is structured directly, with the converter's own hooks, without
    importing cattrs or generating its code; anything else, and every problem, goes to
    the cattrs converter, so its exceptions (and the operator's reasons made of them)
    stay exactly as they were.
    """
    try:
        return _quick(data, root)
    except _Unsure:
        return converter().structure(data, root)


def _quick(value: Any, tp: Any) -> Any:
    """*value* structured as *tp*; :class:`_Unsure` when cattrs should do it."""
    scalar = _SCALARS.get(tp)
    if scalar is not None:
        try:
            return scalar(value, tp)
        except _Wrong:
            raise _Unsure from None
    if isinstance(tp, type) and attrs.has(tp):
        return _quick_attrs(value, tp)
    origin = typing.get_origin(tp)
    if _is_optional(tp):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or len(inner) != 1:  # pragma: no cover - TOML has no null
            raise _Unsure
        return _quick(value, inner[0])
    if origin is typing.Literal:
        try:
            return _literal(value, tp)
        except _Wrong:
            raise _Unsure from None
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(tp) or (Any,)
        return [_quick(element, item) for element in value]
    if (
        origin is dict
        and typing.get_args(tp) == (str, Any)
        and isinstance(value, dict)
        and all(isinstance(key, str) for key in value)
    ):
        return dict(value)
    raise _Unsure


def _quick_attrs(value: Any, cls: type) -> Any:
    if not isinstance(value, dict):
        raise _Unsure
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001  # pragma: no cover - the classes' names resolve
        raise _Unsure from None
    fields = {f.alias: f for f in attrs.fields(cls) if f.init}
    if not set(value) <= set(fields):
        raise _Unsure
    kwargs = {}
    for alias, field in fields.items():
        if alias in value:
            kwargs[alias] = _quick(value[alias], hints[field.name])
        elif field.default is attrs.NOTHING:
            raise _Unsure
    try:
        return cls(**kwargs)
    except Exception:  # noqa: BLE001 - a validator's refusal: cattrs tells it
        raise _Unsure from None


def _origin_is(origin: Any) -> Callable[[Any], bool]:
    """A predicate: whether a type's origin is *origin* (``Literal``, ``list``)."""
    return lambda tp: bool(typing.get_origin(tp) == origin)


def _format(exc: BaseException, tp: Any) -> str:
    """A cattrs problem in the operator's words (see :func:`cattrs.transform_error`)."""
    import cattrs

    if isinstance(exc, _Wrong):
        return str(exc)
    if isinstance(exc, KeyError):
        return _("required key missing")
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return "unknown key " + ", ".join(sorted(exc.extra_fields))
    if tp is not None:
        return _("{what} expected").format(what=_words(tp))
    return _("a value of another type expected")  # pragma: no cover - cattrs names the type


_WHERE: Final = re.compile(r"^(?P<message>.*?) @ \$(?P<path>.*)$")


def first_problem(exc: Exception, root: type) -> tuple[str, str]:
    """The dotted key and the reason of the first problem cattrs found structuring *root*."""
    import cattrs

    messages = cattrs.transform_error(exc, path="$", format_exception=_format)
    found = _WHERE.match(messages[0]) if messages else None
    if found is None:  # pragma: no cover - cattrs always names one, with its path
        return "", _("a value of another type expected")
    path = re.sub(r"\[(\d+)\]", r".\1", found["path"])
    path = re.sub(r"\['([^']*)'\]", r".\1", path).strip(".")
    message = found["message"]
    if message.startswith("unknown key "):
        key = message.removeprefix("unknown key ").split(",")[0].strip()
        return (f"{path}.{key}" if path else key), _("unknown key") + did_you_mean(
            key, known_keys(root, path)
        )
    return path, message


def known_keys(root: type, path: str) -> list[str]:
    """The keys of the table at dotted *path* below the attrs class *root*."""
    cls: Any = root
    for part in [p for p in path.split(".") if p]:
        hints = typing.get_type_hints(cls)
        tp = hints.get(part)
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            tp = next((a for a in typing.get_args(tp) if attrs.has(a)), None)
        if tp is None or not attrs.has(tp):
            return []
        cls = tp
    return [f.name for f in attrs.fields(cls) if f.name not in _INTERNAL]


def did_you_mean(key: str, known: Sequence[str], *, quote: Callable[[str], str] = repr) -> str:
    """``"; did you mean 'name'?"`` when *key* is close to one of *known*; else ``""``.

    >>> did_you_mean("nme", ["name", "time_zone"])
    "; did you mean 'name'?"
    >>> did_you_mean("colour", ["name"])
    ''
    """
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return _("; did you mean {name}?").format(name=quote(close[0])) if close else ""
