"""The error tree: stable codes from SPEC's table, English and German messages, facts."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import pytest

from amparex_core.domain import errors
from amparex_core.domain.errors import AmparexError, all_error_classes
from tests.peers import peer_missing

# The product SPEC sits in ``shared/`` beside the checkout (or beside its worktree folder).
SPEC = next(
    (
        folder / "shared" / "SPEC.md"
        for folder in Path(__file__).parents[3:]
        if (folder / "shared" / "SPEC.md").exists()
    ),
    Path(__file__).parents[3] / "shared" / "SPEC.md",
)


def sample(cls: type[AmparexError]) -> AmparexError:
    fields: dict[str, Any] = {name: f"<{name}>" for name in cls.fact_names}
    if cls is errors.AddressMissing:
        fields["missing"] = "leading branch"
    return cls(**fields)


def test_codes_are_unique_and_dotted() -> None:
    codes = [cls.code for cls in all_error_classes()]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", c) for c in codes)


def test_every_code_of_the_spec_table_exists() -> None:
    if not SPEC.exists():
        peer_missing(f"the product SPEC is not beside the checkout ({SPEC})")
    table = re.findall(r"^\| `([a-z_.]+)` \|", SPEC.read_text(), flags=re.MULTILINE)
    assert len(table) >= 30
    ours = {cls.code for cls in all_error_classes()}
    assert set(table) <= ours


@pytest.mark.parametrize("cls", all_error_classes(), ids=lambda c: c.code)
def test_messages_in_english_and_german_name_the_facts(cls: type[AmparexError]) -> None:
    error = sample(cls)
    en, de = error.message("en"), error.message("de")
    assert en and de and en != de
    assert "{" not in en and "{" not in de
    assert str(error) == en
    assert error.message("fr") == en
    for name, value in error.facts.items():
        if isinstance(value, str) and value.startswith("<") and "{" + name + "}" in cls.en:
            assert value in en
            assert value in de or name in ("missing", "what")
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is cls and restored.facts == error.facts
    assert isinstance(error, AmparexError)


def test_builtin_bases_match_the_meaning() -> None:
    assert issubclass(errors.InterfaceUnknown, LookupError)
    assert issubclass(errors.TemplateUnknown, LookupError)
    assert issubclass(errors.CardUidInvalid, ValueError)
    assert issubclass(errors.InterfaceDuplicate, ValueError)
    assert not issubclass(errors.DeliveryFailed, ValueError)


def test_absent_facts_show_as_a_dash() -> None:
    error = errors.InterfaceNotAvailable(
        kind="card_order", branch=None, workstation=None, on="2026-01-01"
    )
    assert "branch -" in error.message("en")


def test_CO5_address_missing_reads_as_german_in_german() -> None:
    error = errors.AddressMissing(ship_to="customer", holder_id="K2", missing="postal address")
    assert error.message("de") == (
        "Die Karte kann nicht an den Kunden verschickt werden: für K2 fehlt die Postanschrift."
    )


# ---------------------------------------------------------------- the tree in the docstring

_TREE_LINE = re.compile(
    r"^(?P<prefix>[ │├└─]*)(?P<name>[A-Z]\w*)"
    r"(?:\s+(?P<code>[a-z_]+\.[a-z_]+))?(?:\s+\((?P<builtins>\w+(?:,\s*\w+)*)\))?\s*$"
)
_BRANCH = re.compile(r"(?:[│ ]   )*(?:[├└]── )?")


def parse_tree(doc: str) -> list[tuple[str, str | None, str | None, frozenset[str]]]:
    """The tree drawn in *doc*: ``(name, parent, code, builtin bases)`` per line, in order.

    The tree is the indented block after the line that ends with ``::``; each level is
    four characters wide (``├── ``, ``│   ``), so a line's depth gives its parent.
    """
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if line.rstrip().endswith("::")) + 1
    nodes: list[tuple[str, str | None, str | None, frozenset[str]]] = []
    path: list[str] = []
    base_indent: int | None = None
    for line in lines[start:]:
        if not line.strip():
            if nodes:
                break
            continue
        match = _TREE_LINE.match(line)
        assert match is not None, f"not a line of the error tree: {line!r}"
        if base_indent is None:
            base_indent = len(match["prefix"])
        branch = match["prefix"][base_indent:]
        assert _BRANCH.fullmatch(branch), f"misaligned: {line!r}"
        depth = len(branch) // 4
        assert depth <= len(path), f"a level skipped: {line!r}"
        del path[depth:]
        builtins = frozenset(b.strip() for b in (match["builtins"] or "").split(",") if b.strip())
        nodes.append((match["name"], path[-1] if path else None, match["code"], builtins))
        path.append(match["name"])
    return nodes


def tree_mismatches(doc: str, module: Any) -> list[str]:
    """How the tree drawn in *doc* differs from *module*'s classes, ``__all__`` and codes."""
    problems: list[str] = []
    nodes = parse_tree(doc)
    names = [name for name, *_ in nodes]
    problems += [f"{n} drawn twice" for n in sorted({n for n in names if names.count(n) > 1})]
    if not nodes or nodes[0][:3] != ("AmparexError", None, None):
        problems.append("the tree does not start at AmparexError")
    exported = {
        name
        for name in module.__all__
        if isinstance(getattr(module, name, None), type)
        and issubclass(getattr(module, name), AmparexError)
    }
    problems += [f"{n} is in __all__ but not in the tree" for n in sorted(exported - set(names))]
    problems += [f"{n} is in the tree but not in __all__" for n in sorted(set(names) - exported)]
    concrete = {
        cls
        for cls in module.all_error_classes()
        if cls.__module__.startswith(module.__name__)  # not the command's errors
    }
    drawn_with_code = set()
    for name, parent, code, builtins in nodes:
        cls = getattr(module, name, None)
        if not (isinstance(cls, type) and issubclass(cls, AmparexError)):
            problems.append(f"{name} is no error class of {module.__name__}")
            continue
        parents = [b.__name__ for b in cls.__bases__ if issubclass(b, AmparexError)]
        if parent is not None and parents != [parent]:
            problems.append(f"{name}: drawn under {parent}, derives from {parents}")
        bases = {b.__name__ for b in cls.__bases__ if b.__module__ == "builtins"} - {"Exception"}
        if bases != builtins:
            problems.append(f"{name}: drawn with {sorted(builtins)}, derives from {sorted(bases)}")
        if code is None:
            if cls in concrete:
                problems.append(f"{name}: drawn without its code {cls.code}")
            continue
        drawn_with_code.add(cls)
        if cls.code != code:
            problems.append(f"{name}: drawn with code {code}, has {cls.code}")
    problems += [
        f"{cls.__name__} ({cls.code}) is not drawn with its code"
        for cls in sorted(concrete - drawn_with_code, key=lambda c: c.__name__)
    ]
    problems += [
        f"{cls.__name__} is drawn with a code but is no concrete error"
        for cls in sorted(drawn_with_code - concrete, key=lambda c: c.__name__)
    ]
    return problems


def test_the_tree_in_the_docstring_matches_the_classes() -> None:
    """The tree drawn in the errors package's docstring is the tree of the code: the same
    classes as ``__all__`` and ``all_error_classes()``, the same codes, parents and builtin
    bases (so an error added without the tree or ``__all__`` fails here)."""
    assert len(parse_tree(errors.__doc__)) > len(all_error_classes())  # families too
    assert tree_mismatches(errors.__doc__, errors) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    │   ├── InterfaceDuplicate              interface.duplicate              "
            "(ValueError)\n",
            "",
            "InterfaceDuplicate is in __all__ but not in the tree",
        ),
        ("interface.duplicate ", "interface.dupe      ", "drawn with code interface.dupe"),
        ("card.uid_taken                   (ValueError)", "card.uid_taken", "derives from"),
        ("card.unknown                     (LookupError)", "card.unknown (ValueError)", "drawn"),
        ("    │   ├── CardUnknown", "    │   │   ├── CardUnknown", "a level skipped"),
        ("    ├── OrderError\n", "    ├── OrderError\n    ├── NoSuchError\n", "NoSuchError"),
        (
            "    ├── ReaderError\n    │   ├── ReaderUnavailable",
            "    ├── ReaderError\n    ├── ReaderUnavailable",
            "ReaderUnavailable: drawn under AmparexError, derives from ['ReaderError']",
        ),
    ],
)
def test_a_wrong_tree_is_found(old: str, new: str, expected: str) -> None:
    assert old in errors.__doc__
    try:
        found = tree_mismatches(errors.__doc__.replace(old, new, 1), errors)
    except AssertionError as exc:  # the parser refuses a malformed line
        found = [str(exc)]
    assert any(expected in problem for problem in found), found


class _Shadow:
    """The errors package with one name left out of ``__all__`` and extra classes found."""

    def __init__(self, *, drop: str = "", extra: tuple[type, ...] = ()) -> None:
        self.__name__ = errors.__name__
        self.__all__ = [n for n in errors.__all__ if n != drop]
        self._extra = extra

    def all_error_classes(self) -> list[type]:
        return [*all_error_classes(), *self._extra]

    def __getattr__(self, name: str) -> Any:
        return getattr(errors, name)


def test_an_error_missing_from_all_is_found() -> None:
    found = tree_mismatches(errors.__doc__, _Shadow(drop="CardExpired"))
    assert found == ["CardExpired is in the tree but not in __all__"]


def test_an_error_missing_from_the_tree_and_all_is_found() -> None:
    """A class defined in a family module but neither drawn nor exported."""
    unlisted = type(
        "CardForgotten",
        (),
        {"code": "card.forgotten", "__module__": "amparex_core.domain.errors._cards"},
    )
    found = tree_mismatches(errors.__doc__, _Shadow(extra=(unlisted,)))
    assert found == ["CardForgotten (card.forgotten) is not drawn with its code"]


def test_error_class_takes_its_facts_by_keyword_like_a_generated_init() -> None:
    """error_class (no generated code): required and defaulted facts, inherited ones
    first, missing and unknown keywords refused, repr, signature and pickling."""
    import gc
    import inspect
    from typing import ClassVar

    @errors.error_class
    class Base(errors.AmparexError):
        code: ClassVar[str] = "test.base"
        en: ClassVar[str] = "base {first}"
        de: ClassVar[str] = "Basis {first}"
        first: str

    @errors.error_class
    class Child(Base):
        code: ClassVar[str] = "test.child"
        second: int = 2

    error = Child(first="a")
    assert (error.first, error.second) == ("a", 2)
    assert Child.fact_names == ("first", "second")
    assert error.facts == {"first": "a", "second": 2}
    assert error.args == ("a", 2)
    assert repr(error) == "Child(first='a', second=2)"
    assert str(error) == "base a"
    assert error.message("de") == "Basis a"
    assert Child(first="a", second=3).second == 3
    with pytest.raises(TypeError, match="'first'"):
        Child()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'third'"):
        Child(first="a", third=1)  # type: ignore[call-arg]
    assert list(inspect.signature(Child).parameters) == ["first", "second"]
    assert inspect.signature(Child).parameters["second"].default == 2
    assert error != Child(first="a")  # exceptions compare by identity
    # Gone again, so that no other test sees them among the error classes.
    del Base, Child, error
    gc.collect()
    assert not [c for c in all_error_classes() if c.code.startswith("test.")]
