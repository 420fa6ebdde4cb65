"""``frozen`` and ``define``: attrs classes whose ``repr``, ``eq`` and ``hash`` are shared.

attrs writes the source of every method of every class it builds and compiles it when
the class is defined. For ``__repr__``, ``__eq__`` and ``__hash__`` that is about 0.3 of
the 0.5 ms one class costs, paid by every process at every import: the program start
builds some 50 classes. These two decorators build the class with attrs (fields,
``__init__``, slots, ``attrs.fields``, ``attrs.evolve``, converters and validators are
attrs' own) and give it ``__repr__``, ``__eq__`` and ``__hash__`` made from the class's
fields without compiling anything. They behave as the ones attrs generates (attrs 26):

* ``repr``: ``Name(a=1, b='x')`` over the fields with ``repr=True``, a field's own repr
  callable where it has one, ``...`` for an object already being shown further up;
* ``eq``: ``NotImplemented`` for another class, else ``a == a' and b == b'`` over the
  fields with ``eq=True`` (through their ``eq_key``), the result of the first comparison
  that is false or of the last one; ``!=`` is its negation;
* ``hash``: frozen classes hash a class constant with the ``eq`` fields (``hash=False``
  leaves one out, ``hash=True`` takes one in); mutable classes with ``eq`` are unhashable.

A class that writes one of these methods itself, asks for ``order=True`` (its ``eq`` comes
from attrs then) or passes an option other than ``order``, ``kw_only``, ``slots``,
``weakref_slot``, ``match_args``, ``getstate_setstate``, ``init``, ``repr=False`` or
``eq=False`` is left to attrs entirely. ``tests/unit/test_records.py`` pins the behaviour
against the classes attrs generates for the same fields.

For the type checker these are :func:`attrs.frozen` and :func:`attrs.define`, so its
attrs plugin reads the classes as before.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

__all__ = ["define", "frozen"]

if TYPE_CHECKING:
    from attrs import define, frozen
else:
    import attrs

    def frozen(maybe_cls: type | None = None, /, **options: Any) -> Any:
        """:func:`attrs.frozen` with a shared ``repr``, ``eq`` and ``hash``."""
        return _decorate(attrs.frozen, maybe_cls, options, frozen=True)

    def define(maybe_cls: type | None = None, /, **options: Any) -> Any:
        """:func:`attrs.define` with a shared ``repr`` and ``eq``."""
        return _decorate(attrs.define, maybe_cls, options, frozen=options.get("frozen", False))


_PASSED: frozenset[str] = frozenset(
    {"order", "kw_only", "slots", "weakref_slot", "match_args", "getstate_setstate", "init"}
)
_OWN_METHODS = ("__repr__", "__eq__", "__ne__", "__hash__", "__lt__", "__le__", "__gt__", "__ge__")
_showing = threading.local()


def _decorate(make: Any, maybe_cls: type | None, options: dict[str, Any], *, frozen: bool) -> Any:
    def wrap(cls: type) -> type:
        others = options.keys() - _PASSED - {"repr", "eq"}
        if (
            others
            or options.get("repr") not in (None, False)
            or options.get("eq") not in (None, False)
            or any(name in cls.__dict__ for name in _OWN_METHODS)
        ):
            return make(cls, **options)  # type: ignore[no-any-return]
        shared_repr = "repr" not in options
        shared_eq = "eq" not in options and not options.get("order", False)
        built: type = make(
            cls, **{**options, **({"repr": False} if shared_repr else {})},
            **({"eq": False} if shared_eq else {}),
        )  # fmt: skip
        if shared_repr:
            _set(built, "__repr__", _repr_of(built))
        if shared_eq:
            _set(built, "__eq__", _eq_of(built))
            _set(built, "__hash__", _hash_of(built) if frozen else None)
        return built

    return wrap if maybe_cls is None else wrap(maybe_cls)


def _set(cls: type, name: str, method: Any) -> None:
    if method is not None:
        method.__name__ = name
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        method.__module__ = cls.__module__
    setattr(cls, name, method)


def _repr_of(cls: type) -> Any:
    import attrs

    shown = tuple((a.name, a.repr) for a in attrs.fields(cls) if a.repr is not False)

    def __repr__(self: Any) -> str:  # noqa: N807 - installed as the method
        seen: set[int] | None = getattr(_showing, "ids", None)
        if seen is None:
            seen = _showing.ids = set()
        if id(self) in seen:
            return "..."
        seen.add(id(self))
        try:
            parts = ", ".join(
                f"{name}={repr(value) if how is True else how(value)}"
                for name, how in shown
                for value in (getattr(self, name),)
            )
            return f"{self.__class__.__qualname__.rsplit('>.', 1)[-1]}({parts})"
        finally:
            seen.discard(id(self))

    return __repr__


def _eq_of(cls: type) -> Any:
    import attrs

    compared = tuple((a.name, a.eq_key) for a in attrs.fields(cls) if a.eq)

    def __eq__(self: Any, other: object) -> Any:  # noqa: N807 - installed as the method
        if other.__class__ is not self.__class__:
            return NotImplemented
        result: Any = True
        for name, key in compared:
            if key is None:
                result = getattr(self, name) == getattr(other, name)
            else:
                result = key(getattr(self, name)) == key(getattr(other, name))
            if not result:
                return result
        return result

    return __eq__


def _hash_of(cls: type) -> Any:
    import operator

    import attrs

    hashed = [a for a in attrs.fields(cls) if a.hash is True or (a.hash is None and a.eq)]
    constant = hash(f"amparex_core.domain._records {cls.__module__}.{cls.__qualname__}")
    if hashed and all(a.eq_key is None for a in hashed):
        values = operator.attrgetter(*(a.name for a in hashed))

        def __hash__(self: Any) -> int:  # noqa: N807 - installed as the method
            return hash((constant, values(self)))

    else:
        keyed = tuple((a.name, a.eq_key) for a in hashed)

        def __hash__(self: Any) -> int:  # noqa: N807 - installed as the method
            return hash(
                (
                    constant,
                    *[getattr(self, n) if k is None else k(getattr(self, n)) for n, k in keyed],
                )
            )

    return __hash__
