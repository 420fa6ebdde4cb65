"""Stored documents read without cattrs, when they are what the stored format writes.

Private to :mod:`amparex_adapters.converters.stored`. A program start reads a few stored
documents (its configurations, the ledger's rows of the day, the last run): importing
cattrs and generating its code for each class would cost more than the start's own work.
:func:`structure` reads a document directly, with the base converter's own rules
(:mod:`amparex_adapters.converters.base`), when every value has exactly the type the
stored format writes for it; anything else — a value of another type, an unknown type, a
missing key, an object its class refuses — raises :class:`Unsure`, and the caller leaves
the document to the cattrs converter, so every result and every refusal stays as it was.
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs

from amparex_core.domain.interfaces import InterfaceConfig, InterfaceKind
from amparex_core.domain.secret import Secret, SecretRef

from .base import read_key

__all__ = ["Unsure", "structure", "unstructure"]


class Unsure(Exception):
    """The document is left to the cattrs converter (a problem, or an unusual type)."""


#: Per attrs class: its keys (aliases), their types and whether each has a default.
_PLANS: dict[type, tuple[tuple[str, Any, bool], ...]] = {}


def _plan(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        try:
            hints = typing.get_type_hints(cls)
        except Exception:  # noqa: BLE001  # pragma: no cover - the classes' names resolve
            raise Unsure from None
        plan = _PLANS[cls] = tuple(
            (f.alias, hints[f.name], f.default is not attrs.NOTHING)
            for f in attrs.fields(cls)
            if f.init
        )
    return plan


def _exactly(kind: type) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if type(value) is not kind:  # an int is no bool, a bool no int
            raise Unsure
        return value

    return read


def _iso(parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if type(value) is not str:
            raise Unsure
        try:
            return parse(value)
        except (ValueError, ArithmeticError):  # (decimal's InvalidOperation)
            raise Unsure from None

    return read


_SCALARS: Final[dict[Any, Callable[[Any], Any]]] = {
    str: _exactly(str),
    int: _exactly(int),
    bool: _exactly(bool),
    float: _exactly(float),
    dt.datetime: _iso(dt.datetime.fromisoformat),
    dt.date: _iso(dt.date.fromisoformat),
}

_KEY: Final = SecretRef | Secret | None
"""The type of a card-contract key, read by the base converter's own rule."""


def _loaded(module: str, name: str) -> object:
    """The class *name* of *module*, or ``None`` when the module is not loaded.

    A type of a module nobody imported is no field's type: money and card UIDs are read
    by card ordering only, which imports them.
    """
    found = sys.modules.get(module)
    return None if found is None else getattr(found, name)


def structure(value: Any, tp: Any) -> Any:
    """*value*, a JSON value of a stored document, as *tp*.

    Raises:
        Unsure: The converter should read it (a value of another type, or a type not
            handled here).
    """
    scalar = _SCALARS.get(tp)
    if scalar is not None:
        return scalar(value)
    if tp is Any:
        return value
    if tp == _KEY:
        try:
            return read_key(value, tp)
        except ValueError:
            raise Unsure from None
    if isinstance(tp, type):
        if tp is _loaded("decimal", "Decimal"):  # money: never a float, always its text
            return _iso(tp)(value)
        if tp is _loaded("amparex_core.domain.cards", "CardUid"):
            return _iso(lambda text: tp(bytes.fromhex(text)))(value)
        if issubclass(tp, enum.Enum):
            try:
                return tp._value2member_map_[value]
            except (KeyError, TypeError):
                raise Unsure from None
        if tp is InterfaceConfig:
            return _config(value)
        if attrs.has(tp):
            return _object(value, tp)
        raise Unsure
    return _generic(value, tp)


def _generic(value: Any, tp: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if len(options) != len(args) - 1 or len(options) != 1:
            raise Unsure  # only "X | None": other unions are the converter's to choose
        return None if value is None else structure(value, options[0])
    if origin in (tuple, Sequence, list) and type(value) is list:
        if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
            raise Unsure
        items = [structure(item, args[0]) for item in value]
        return items if origin is list else tuple(items)
    if origin in (Mapping, dict) and type(value) is dict and len(args) == 2:
        return {structure(k, args[0]): structure(v, args[1]) for k, v in value.items()}
    raise Unsure


def _object(value: Any, cls: type, **given: Any) -> Any:
    """An attrs object; *given* are values already read (a configuration's settings)."""
    if type(value) is not dict:
        raise Unsure
    kwargs = {}
    for key, tp, optional in _plan(cls):
        if key in given:
            kwargs[key] = given[key]
        elif key in value:
            kwargs[key] = structure(value[key], tp)
        elif not optional:
            raise Unsure
    try:
        return cls(**kwargs)
    except Exception:  # noqa: BLE001 - a validator's refusal: the converter tells it
        raise Unsure from None


def _config(value: Any) -> InterfaceConfig:
    """A configuration: its settings read as the type its kind declares (IF1)."""
    if type(value) is not dict or "settings" not in value:
        raise Unsure
    kind: InterfaceKind = structure(value.get("kind"), InterfaceKind)
    settings = structure(value["settings"], kind.policy.settings_type)
    config: InterfaceConfig = _object(value, InterfaceConfig, settings=settings)
    return config


def unstructure(obj: Any, omitted: Mapping[str, tuple[str, ...]]) -> Any:
    """The JSON value the stored format writes for *obj*.

    Args:
        obj: A value of a stored document.
        omitted: Per class (``module.Name``), the attributes written only when they
            differ from their default (added after 0.1.0).

    Raises:
        Unsure: The converter should write it (a secret, a class with private or
            derived attributes, a type not handled here).
    """
    kind = type(obj)
    if obj is None or kind in (str, int, bool, float):
        return obj
    if kind is dt.datetime or kind is dt.date:
        return obj.isoformat()
    if isinstance(obj, enum.Enum):
        return obj._value_
    if kind is SecretRef:
        return {"secret": obj.name}
    if kind in (tuple, list):
        return [unstructure(item, omitted) for item in obj]
    if kind is dict:
        return {unstructure(k, omitted): unstructure(v, omitted) for k, v in obj.items()}
    if kind is _loaded("decimal", "Decimal"):
        return str(obj)
    if kind is _loaded("amparex_core.domain.cards", "CardUid"):
        return obj.hex
    if attrs.has(kind):
        return _unstructure_object(obj, omitted)
    raise Unsure  # a Secret (refused by the converter), sets, unknown types


def _unstructure_object(obj: Any, omitted: Mapping[str, tuple[str, ...]]) -> Any:
    kind = type(obj)
    quiet = omitted.get(f"{kind.__module__}.{kind.__qualname__}", ())
    document = {}
    for field in attrs.fields(kind):
        if not field.init or field.alias != field.name:
            raise Unsure  # derived or private attributes: the converter's own rules
        value = getattr(obj, field.name)
        if field.name in quiet and _is_default(field, value, obj):
            continue
        document[field.name] = unstructure(value, omitted)
    return document


def _is_default(field: Any, value: Any, obj: Any) -> bool:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        default = default.factory(obj) if default.takes_self else default.factory()
    return bool(value == default)
