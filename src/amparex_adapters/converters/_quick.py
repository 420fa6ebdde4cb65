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

__all__ = ["Unsure", "structure"]


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
