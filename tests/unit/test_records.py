"""``amparex_core.domain._records``: the shared ``repr``/``eq``/``hash`` behave as attrs' own.

Each case builds one class twice from the same fields, once with attrs' decorator (the
reference) and once with ours, and compares what callers can see: ``repr``, ``==``,
``!=``, hashability and that equal objects hash alike. The values avoid NaN: attrs 23.1
(the lowest version allowed) compares the fields as one tuple, where ``nan == nan`` holds
by identity; attrs 26 and ours compare field by field.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_core.domain import _records
from amparex_core.domain._records import define, frozen

values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text("ab", max_size=2),
    lambda inner: st.tuples(inner, inner) | st.frozensets(inner, max_size=2),
    max_leaves=4,
)


def _shared(method: Any) -> bool:
    """Whether *method* is one of the shared ones (not compiled by attrs, not the class's)."""
    return bool(method.__code__.co_filename == _records.__file__)


def _shout(value: object) -> str:
    return f"<{value!r}>"


def _length(value: object) -> int:
    return len(repr(value))


field_options = st.fixed_dictionaries(
    {},
    optional={
        "repr": st.sampled_from([False, _shout]),
        "eq": st.sampled_from([False, _length]),
        "hash": st.sampled_from([True, False]),
        "kw_only": st.just(True),
    },
).filter(lambda o: not (o.get("eq") is False and o.get("hash") is True))


def _twins(specs: list[dict[str, Any]], *, mutable: bool) -> tuple[type, type]:
    """The reference class (attrs) and ours, from the same field options."""
    built = []
    for decorator in (attrs.define, define) if mutable else (attrs.frozen, frozen):
        namespace: dict[str, Any] = {
            f"f{i}": attrs.field(default=None, **options) for i, options in enumerate(specs)
        }
        namespace["__annotations__"] = dict.fromkeys(namespace, "object")
        built.append(decorator(type("Twin", (), namespace)))
    return built[0], built[1]


@given(
    specs=st.lists(field_options, max_size=4),
    left=st.lists(values, min_size=4, max_size=4),
    right=st.lists(values, min_size=4, max_size=4),
    mutable=st.booleans(),
)
def test_shared_methods_behave_as_the_ones_attrs_generates(
    specs: list[dict[str, Any]], left: list[Any], right: list[Any], mutable: bool
) -> None:
    reference, ours = _twins(specs, mutable=mutable)
    assert _shared(ours.__repr__)  # shared, not generated
    names = [f"f{i}" for i in range(len(specs))]
    pairs = [
        (cls(**dict(zip(names, left, strict=False))), cls(**dict(zip(names, right, strict=False))))
        for cls in (reference, ours)
    ]
    (ref_a, ref_b), (our_a, our_b) = pairs
    assert repr(our_a) == repr(ref_a) and repr(our_b) == repr(ref_b)
    assert (our_a == our_b) == (ref_a == ref_b)
    assert (our_a != our_b) == (ref_a != ref_b)
    assert our_a == ours(**dict(zip(names, left, strict=False)))
    assert (our_a == ref_a) is False and our_a != ref_a  # another class is never equal
    assert our_a.__eq__(ref_a) is NotImplemented
    if mutable:
        assert [cls.__hash__ for cls in (ours, reference)] == [None, None]
    else:
        if our_a == our_b:
            assert hash(our_a) == hash(our_b)
        assert hash(our_a) == hash(ours(**dict(zip(names, left, strict=False))))
    if not mutable:
        assert attrs.evolve(our_a) == our_a
        assert copy.deepcopy(our_a) == our_a


def test_eq_returns_the_first_false_comparison_as_attrs_does() -> None:
    """``a == a' and b == b'``: the second field is not compared once the first differs."""
    compared: list[str] = []

    class Noisy:
        def __init__(self, name: str, equal: bool) -> None:
            self.name, self.equal = name, equal

        def __eq__(self, other: object) -> bool:
            compared.append(self.name)
            return self.equal

        __hash__ = object.__hash__

    @frozen
    class Pair:
        first: object
        second: object

    assert Pair(Noisy("a", False), Noisy("b", True)) != Pair(1, 2)
    assert compared == ["a"]
    compared.clear()
    assert Pair(Noisy("a", True), Noisy("b", True)) == Pair(1, 2)
    assert compared == ["a", "b"]


def test_repr_of_an_object_shown_inside_itself_is_three_dots() -> None:
    @define
    class Box:
        items: list[object] = attrs.field(factory=list)

    @attrs.define
    class Reference:
        items: list[object] = attrs.field(factory=list)

    ours, reference = Box(), Reference()
    ours.items.append(ours)
    reference.items.append(reference)
    assert repr(ours) == "Box(items=[...])" == repr(reference).replace("Reference", "Box")


def test_a_class_with_own_methods_or_other_options_is_left_to_attrs() -> None:
    @frozen
    class Own:
        a: int

        def __repr__(self) -> str:
            return "own"

    @frozen(order=True)
    class Ordered:
        a: int

    @frozen(cache_hash=True)
    class Cached:
        a: int

    assert repr(Own(1)) == "own" and not _shared(Own.__eq__)
    assert Ordered(1) < Ordered(2) and not _shared(Ordered.__eq__)
    assert _shared(Ordered.__repr__)
    for cls in (Cached,):
        assert not _shared(cls.__repr__)
        assert not _shared(cls.__eq__)


def _project_classes() -> list[type]:
    """Every attrs class the library defines (its modules imported one by one)."""
    import amparex_adapters
    import amparex_core

    found: dict[str, type] = {}
    for package in (amparex_core, amparex_adapters):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".testing" in info.name or info.name.endswith("__main__"):
                continue
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if isinstance(value, type) and attrs.has(value) and value.__module__ == info.name:
                    found[f"{info.name}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


@pytest.mark.parametrize(
    "cls", _project_classes(), ids=lambda c: f"{c.__module__}.{c.__qualname__}"
)
def test_project_classes_are_attrs_classes_without_compiled_repr(cls: type) -> None:
    """``attrs.fields`` and ``evolve`` keep working; no ``repr`` of theirs was compiled."""
    assert attrs.fields(cls)
    source = cls.__repr__.__code__.co_filename
    assert not source.startswith("<"), f"{cls.__qualname__}.__repr__ was compiled ({source})"
