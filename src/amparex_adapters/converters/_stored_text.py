"""Stored documents written straight to text, by a function generated per class.

:func:`amparex_adapters.converters.stored.encode` writes with :func:`written` first: for
the classes it has a writer for, the text is the converter's, byte for byte, without the
dictionaries cattrs builds and the JSON encoder then walks (placing an order writes one
document per order, and the two passes cost about three times the direct one).

:func:`writer` generates, once per attrs class, one function that writes the object's
document: its keys sorted and escaped when the function is made, each value written by the
base rules (:mod:`amparex_adapters.converters.base`) for its declared type, the same way
the stored converter writes it —

* text as a JSON string without ASCII escapes; ``True``/``False``; an integer;
* a :class:`~decimal.Decimal` as its text; a date and an instant in ISO 8601;
* an enum whose values are all text by its value;
* ``X | None``; a homogeneous tuple, list or sequence as a list; another attrs class;
* the attributes the stored format added after 0.1.0 left out while they hold their
  default (see :mod:`~amparex_adapters.converters.stored`).

A class with any other field (a secret, a secret reference, a card UID, a mapping, a
float, another union, a field without a type, a field the constructor does not take, an
attribute left out while it holds a default made by a factory), and a subclass of another
attrs class (which the converter may write by its base's hook), has no writer:
:func:`written` gives ``None`` and the converter writes the object. So it does for an
object whose class is not exactly the class a writer was made for, or a value whose type
is not the declared one (text where an instant is declared, an instant where a day is):
the generated function raises, and the converter writes the object, or raises what it
raises. The texts are pinned against the converter's by property tests
(``tests/unit/test_stored_text.py``).

>>> from decimal import Decimal
>>> from amparex_adapters.converters import stored
>>> from amparex_core.domain.money import Money
>>> written(Money(Decimal("2.50"), "EUR"))
'{"amount":"2.50","currency":"EUR"}'
>>> written(Money(Decimal("2.50"), "EUR")) == stored._converted(Money(Decimal("2.50"), "EUR"))
True
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Callable, Sequence
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any, Final

import attrs

from amparex_core.domain.secret import Secret, SecretRef

__all__ = ["writer", "written"]

Writer = Callable[[Any], str]

#: Classes the formats write by hooks of their own: no generated writer (and
#: :class:`~amparex_core.domain.cards.CardUid`, by name: a start imports no card module).
_OWN_HOOKS: Final = (Secret, SecretRef)
_OWN_HOOK_NAMES: Final = frozenset({"amparex_core.domain.cards.CardUid"})


def _own_hook(cls: type) -> bool:
    return issubclass(cls, _OWN_HOOKS) or any(
        f"{base.__module__}.{base.__qualname__}" in _OWN_HOOK_NAMES for base in cls.__mro__
    )


class _NoWriter(Exception):
    """The class has a field this module does not write."""


_writers: dict[type, Writer | None] = {}


def _unknown(obj: object) -> str:  # pragma: no cover - a marker, never called
    raise NotImplementedError


def written(obj: object) -> str | None:
    """The stored document of *obj* by its class's generated writer.

    ``None`` when the class has none or a value is not of its declared type: the
    converter writes it then, or says why it cannot.
    """
    write = _writers.get(type(obj), _unknown)
    if write is _unknown:
        write = writer(type(obj))
    if write is not None:
        try:
            return write(obj)
        except (TypeError, AttributeError, ValueError):
            pass
    return None


def _omitted(cls: type) -> tuple[str, ...]:
    """The attributes of *cls* added after 0.1.0 (see :mod:`.stored`)."""
    from .stored import _OMITTED

    return _OMITTED.get(f"{cls.__module__}.{cls.__qualname__}", ())


def writer(cls: type) -> Writer | None:
    """The generated writer of *cls* objects' stored documents, or ``None`` (see above)."""
    if cls not in _writers:
        try:
            _Generator().attrs_writer(cls)
        except _NoWriter:
            _writers[cls] = None
    return _writers[cls]


def _bool(value: bool) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    raise TypeError(f"not a bool: {type(value).__name__}")


def _int(value: int) -> str:
    if type(value) is not int:  # a bool or another subclass: the converter decides
        raise TypeError(f"not an int: {type(value).__name__}")
    return int.__repr__(value)


def _day_text(value: dt.date) -> str:
    if type(value) is not dt.date:  # an instant where a day is declared: the converter decides
        raise TypeError(f"not a date: {type(value).__name__}")
    return f'"{dt.date.isoformat(value)}"'


#: What the generated code may call, besides the writers of the classes it holds.
_GLOBALS: Final[dict[str, Any]] = {
    "_s": encode_basestring,  # JSON text without ASCII escapes; TypeError unless text
    "_str": str,  # a Decimal: the converter's hook is str()
    "_instant_iso": dt.datetime.isoformat,  # ASCII only: nothing to escape
    "_day_iso": dt.date.isoformat,
    "_day": dt.date,
    "_day_text": _day_text,
    "_bool": _bool,
    "_int": _int,
}

#: The expressions writing a value of these types (``{0}``: the value).
_LEAVES: Final[dict[Any, str]] = {
    str: "_s({0})",
    bool: '("true" if {0} is True else "false" if {0} is False else _bool({0}))',
    int: "_int({0})",
    Decimal: "_s(_str({0}))",
    dt.datetime: "'\"' + _instant_iso({0}) + '\"'",
    dt.date: "_day_text({0})",
}


#: Enums with up to this many members are written by a chain of identity tests.
_MEMBERS_BY_IDENTITY: Final = 8


def _optional_of(tp: Any) -> Any | None:
    """``X`` when *tp* is ``X | None``, else ``None``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if len(args) == 2 and type(None) in args:
            return args[0] if args[1] is type(None) else args[1]
    return None


class _Source:
    """The source of one generated writer: its statements and the names it uses."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = dict(_GLOBALS)
        self.count = 0

    def name(self, value: object) -> str:
        """A new global name of the writer for *value*."""
        name = f"_g{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def local(self, expression: str) -> str:
        """A new local variable set to *expression*."""
        self.count += 1
        self.lines.append(f"    v{self.count} = {expression}")
        return f"v{self.count}"


class _Generator:
    """Makes the writer of one class and those of the classes its fields hold."""

    def __init__(self) -> None:
        self.making: set[type] = set()

    def object_writer(self, tp: Any) -> Writer:
        """The writer of *tp*, an attrs class; made now unless it was before."""
        if isinstance(tp, type) and attrs.has(tp) and tp not in self.making:
            known = _writers[tp] if tp in _writers else self.attrs_writer(tp)
            if known is not None:
                return known
        raise _NoWriter(tp)  # no writer, or a class that holds itself

    def expression(self, tp: Any, value: str, source: _Source) -> str:
        """Python code that writes *value*, declared as *tp*."""
        if tp in _LEAVES:
            return _LEAVES[tp].format(value)
        inner = _optional_of(tp)
        if inner is not None:
            return f'("null" if {value} is None else {self.expression(inner, value, source)})'
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            if not all(isinstance(member.value, str) for member in tp):
                raise _NoWriter(tp)
            if len(tp) > _MEMBERS_BY_IDENTITY:
                return f"_s({value}._value_)"
            # A member found by identity has its text made once; anything else by its value.
            chain = "".join(
                f"{source.name(encode_basestring(m.value))} if {value} is {source.name(m)} else "
                for m in tp
            )
            return f"({chain}_s({value}._value_))"
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        homogeneous = origin is tuple and len(args) == 2 and args[1] is Ellipsis
        if homogeneous or (origin in (list, Sequence) and len(args) == 1):
            item = source.name(self.item_writer(args[0], source))
            return f'"[" + ",".join(map({item}, {value})) + "]"'
        return f"{source.name(self.object_writer(tp))}({value})"

    def item_writer(self, tp: Any, source: _Source) -> Writer:
        """The writer of an item of a list, declared as *tp*."""
        if tp is str:
            return encode_basestring
        if isinstance(tp, type) and attrs.has(tp):
            return self.object_writer(tp)
        code = f"lambda item: {self.expression(tp, 'item', source)}"
        write: Writer = eval(code, source.namespace)  # noqa: S307 - generated here
        return write

    def fragment(self, tp: Any, value: str, source: _Source) -> str:
        """A piece of an f-string that writes *value*, declared as *tp*.

        An attrs class is written in place, the others by :meth:`expression`.
        """
        if isinstance(tp, type) and attrs.has(tp):
            self.object_writer(tp)  # _NoWriter unless it has a writer
            return self.object_fragment(tp, value, source)
        if tp is dt.datetime:  # ISO 8601, nothing to escape: the quotes around it in the text
            return f'"{{_instant_iso({value})}}"'
        if tp is dt.date:  # the same, once it is checked to be a day
            source.lines += [f"    if {value}.__class__ is not _day:", "        raise TypeError"]
            return f'"{{_day_iso({value})}}"'
        return f"{{{self.expression(tp, value, source)}}}"

    def object_fragment(self, cls: type, value: str, source: _Source) -> str:
        """A piece of an f-string that writes *value*, a *cls* object, its keys sorted."""
        # The attributes added after 0.1.0, left out while they hold their default.
        omitted = _omitted(cls)
        source.lines.append(f"    if {value}.__class__ is not {source.name(cls)}:")
        source.lines.append("        raise TypeError")
        parts: list[tuple[str, str | None]] = []  # (key and value, when it is written)
        for field in sorted(attrs.fields(cls), key=lambda f: f.name):
            var = source.local(f"{value}.{field.name}")
            key = encode_basestring(field.name)
            if field.name in omitted:  # written by a call: only when it is written
                written = f"{var} != {source.name(field.default)}"
                parts.append((f"{key}:{{{self.expression(field.type, var, source)}}}", written))
            else:
                parts.append((f"{key}:{self.fragment(field.type, var, source)}", None))
        return _joined(parts, source)

    def attrs_writer(self, cls: type) -> Writer:
        """Generate the writer of *cls*."""
        if not attrs.has(cls) or _own_hook(cls):
            raise _NoWriter(cls)
        if any(attrs.has(base) for base in cls.__mro__[1:]):
            raise _NoWriter(cls)  # the converter may write it by the hook of its base
        self.making.add(cls)
        try:
            attrs.resolve_types(cls)
        except Exception as exc:
            raise _NoWriter(cls) from exc
        omitted = _omitted(cls)
        for field in attrs.fields(cls):
            if not field.init or field.type is None:
                raise _NoWriter(cls)
            if field.name in omitted and isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                raise _NoWriter(cls)  # compared with a new default each time: not done here
        if attrs.fields(cls) and {f.name for f in attrs.fields(cls)} <= set(omitted):
            raise _NoWriter(cls)  # every key may be left out: no comma to start from
        source = _Source()
        text = self.object_fragment(cls, "obj", source)
        lines = ["def write(obj):", *source.lines, f"    return {_f_string(text)}"]
        code = compile("\n".join(lines), f"<stored text of {cls.__qualname__}>", "exec")
        exec(code, source.namespace)  # noqa: S102 - our own generated source, as attrs does
        self.making.discard(cls)
        write: Writer = source.namespace["write"]
        _writers[cls] = write
        return write


def _joined(parts: list[tuple[str, str | None]], source: _Source) -> str:
    """The f-string piece of an object of *parts*, in braces, separated by commas.

    A part left out while its attribute holds its default is made before, with its comma:
    after it while no part that is always there came before it, else before it. (A class
    whose every part may be left out has no writer.)
    """
    text: list[str] = []
    for n, (part, written) in enumerate(parts):
        always_before = any(condition is None for _, condition in parts[:n])
        if written is None:
            text.append(f",{part}" if always_before else part)
            continue
        piece = _f_string(f",{part}" if always_before else f"{part},")
        text.append("{" + source.local(f"{piece} if {written} else ''") + "}")
    return "{{" + "".join(text) + "}}"


def _f_string(text: str) -> str:
    """The source of an f-string of *text*."""
    return "f'''" + text + "'''"
