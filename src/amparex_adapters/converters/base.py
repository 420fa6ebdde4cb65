"""The base every JSON format of the library starts from (see :mod:`amparex_adapters.converters`).

>>> from decimal import Decimal
>>> from amparex_adapters.converters.base import make_base_converter
>>> from amparex_core.domain.money import Money
>>> make_base_converter().unstructure(Money(Decimal("4.90"), "EUR"))
{'amount': '4.90', 'currency': 'EUR'}
"""

from __future__ import annotations

import datetime as dt
import enum
import operator
from collections.abc import Callable, Mapping, Sequence, Set
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from amparex_core.domain.interfaces import InterfaceConfig, InterfaceKind
from amparex_core.domain.secret import Secret, SecretRef

if TYPE_CHECKING:
    import cattrs

    from amparex_core.domain.cards import CardUid

__all__ = ["T", "make_base_converter", "read_key", "view_hook"]

#: The type of an object a converter reads.
T = TypeVar("T")


def _refuse_secret(secret: Secret) -> Any:
    raise TypeError(
        "a Secret has no JSON form of its own: the format says how to write it "
        "(the stored format reveals it, the command's output masks it)"
    )


def read_key(value: Any, _: Any) -> SecretRef | Secret | None:
    """A stored key: a reference ``{"secret": NAME}``, or (0.1.0) the value in clear text."""
    if value is None:
        return None
    if isinstance(value, str):
        return Secret(value)
    if isinstance(value, Mapping) and set(value) == {"secret"}:
        return SecretRef(value["secret"])
    raise ValueError(f'a key is {{"secret": NAME}}, not {type(value).__name__}')


def _date(value: Any, _: type) -> dt.date:
    return dt.date.fromisoformat(value)


def _instant(value: Any, _: type) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, float):
        raise TypeError("a decimal is written as text, never as a float")
    return Decimal(value)


def _uid(value: Any, tp: type[CardUid]) -> CardUid:
    return tp(bytes.fromhex(value))


def _enum_reader(cls: type[enum.Enum]) -> Callable[[Any, type], enum.Enum]:
    members = cls._value2member_map_

    def structure(value: Any, _: type) -> enum.Enum:
        try:
            return members[value]
        except (KeyError, TypeError):  # not a value (or not hashable): the enum says why
            return cls(value)

    return structure


def _is_enum(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, enum.Enum)


def make_base_converter(*, detailed_validation: bool = True) -> cattrs.Converter:
    """A converter that writes the library's values the one way every format shares.

    * :class:`~decimal.Decimal` ↔ its text (``"2.50"``, never a float);
    * :class:`~datetime.date` and aware :class:`~datetime.datetime` ↔ ISO 8601 text
      (an instant keeps its UTC offset);
    * enums ↔ their value; tuples, lists and sets → lists; mappings with enum keys →
      objects keyed by the enum values;
    * :class:`~amparex_core.domain.cards.CardUid` ↔ canonical upper-case hex;
    * an :class:`~amparex_core.domain.interfaces.InterfaceConfig`'s settings are read as
      the settings type of its kind (IF1);
    * :class:`~amparex_core.domain.secret.Secret` is refused (``TypeError``) when written:
      each format registers its own hook;
    * :class:`~amparex_core.domain.secret.SecretRef` ↔ ``{"secret": NAME}``; a card key is
      read as a reference, or as a :class:`~amparex_core.domain.secret.Secret` where a
      store of 0.1.0 kept its value as text.

    Args:
        detailed_validation: Whether reading collects every problem with its path (slower;
            the stored format, which reads only what it wrote, turns it off).
    """
    import cattrs
    from cattrs.gen import make_dict_structure_fn, override

    from amparex_core.domain.cards import CardUid

    converter = cattrs.Converter(
        unstruct_collection_overrides={Set: list, Sequence: list},
        detailed_validation=detailed_validation,
    )
    # Enums by value, looked up directly (on the hot path of every stored document).
    converter.register_unstructure_hook(enum.Enum, operator.attrgetter("_value_"))
    converter.register_structure_hook_factory(_is_enum, _enum_reader)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _decimal)
    converter.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    converter.register_structure_hook(dt.datetime, _instant)
    converter.register_unstructure_hook(dt.date, dt.date.isoformat)
    converter.register_structure_hook(dt.date, _date)
    converter.register_unstructure_hook(CardUid, lambda uid: uid.hex)
    converter.register_structure_hook(CardUid, _uid)
    converter.register_unstructure_hook(Secret, _refuse_secret)
    converter.register_structure_hook(Secret, lambda value, _: Secret(value))
    converter.register_unstructure_hook(SecretRef, lambda ref: {"secret": ref.name})
    converter.register_structure_hook(SecretRef | Secret | None, read_key)

    # The settings of a configuration are read as the type its kind declares (IF1): the
    # generated reader takes them as they come, after the hook below has read them.
    config_fields = make_dict_structure_fn(
        InterfaceConfig, converter, settings=override(struct_hook=lambda value, _: value)
    )

    def structure_config(data: Mapping[str, Any], cls: type) -> InterfaceConfig:
        kind = InterfaceKind(data["kind"])
        settings = converter.structure(data["settings"], kind.policy.settings_type)
        return config_fields({**data, "settings": settings}, cls)

    converter.register_structure_hook(InterfaceConfig, structure_config)
    return converter


# One key of a view: the key alone (the attribute of that name), the key and a dotted
# attribute path, or the key and a function of the object.
_ViewKey = str | tuple[str, str | Callable[[Any], Any]]


def _getter(spec: _ViewKey) -> tuple[str, Callable[[Any], Any]]:
    if isinstance(spec, str):
        key, path = spec, spec
    else:
        key, where = spec
        if callable(where):
            return key, where
        path = where
    names = path.split(".")

    def get(obj: Any) -> Any:
        for name in names:
            obj = getattr(obj, name)
        return obj

    return key, get


def view_hook(
    converter: cattrs.Converter, *keys: str | tuple[str, str | Callable[[Any], Any]]
) -> Callable[[Any], dict[str, Any]]:
    """An unstructure hook that shows an object as the given keys, in that order.

    A key is a name (the attribute of that name), a pair of a name and a dotted attribute
    path (``("holder_kind", "holder.kind")``), or a pair of a name and a function of the
    object.

    Each value is written by *converter* according to its own type, so a view follows the
    format's rules (a secret masked, an enum by value …) without spelling them out.

    >>> import attrs
    >>> from amparex_adapters.converters.base import make_base_converter, view_hook
    >>> @attrs.frozen
    ... class Point:
    ...     x: int
    ...     y: int
    >>> c = make_base_converter()
    >>> c.register_unstructure_hook(Point, view_hook(c, "y", ("sum", lambda p: p.x + p.y)))
    >>> c.unstructure(Point(1, 2))
    {'y': 2, 'sum': 3}
    """
    getters = [_getter(spec) for spec in keys]
    unstructure = converter.unstructure

    def hook(obj: Any) -> dict[str, Any]:
        return {key: unstructure(get(obj)) for key, get in getters}

    return hook
