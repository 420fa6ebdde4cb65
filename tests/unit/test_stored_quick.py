"""The stored format read without cattrs agrees with the cattrs converter (issue 16).

:func:`amparex_adapters.converters.stored.decode` reads a document directly when every
value has the type the format writes (:mod:`amparex_adapters.converters._quick`) and
leaves everything else to the converter. What the format writes is read the direct way,
to the same object; a document changed at random is either read the direct way to the
object the converter makes of it, or left to the converter — never read where the
converter refuses it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.converters import _quick, stored
from amparex_core.domain.cards import IssuedCard
from amparex_core.domain.interfaces import InterfaceConfig
from amparex_core.domain.operations import RunFailure, RunKind, RunRecord
from amparex_core.domain.orders import Batch, CardOrder
from amparex_core.domain.templates import CardTemplate
from amparex_core.domain.uploads import UploadRecord
from tests import strategies as s

GOLDEN = Path(__file__).parents[1] / "golden"
FAMILIES: dict[str, type] = {
    "interface": InterfaceConfig,
    "template": CardTemplate,
    "order": CardOrder,
    "batch": Batch,
    "card": IssuedCard,
    "upload": UploadRecord,
}

run_records = st.builds(
    RunRecord,
    kind=st.sampled_from(list(RunKind)),
    workstation=s.workstation_names,
    branch=st.none() | s.branches_ids,
    started_at=s.instants,
    ended_at=s.instants,
    exported=st.integers(0, 9),
    changed=st.lists(s.names, max_size=3).map(tuple),
    failures=st.lists(
        st.builds(RunFailure, code=st.just("delivery.failed"), subject=s.names), max_size=2
    ).map(tuple),
)

POOL: tuple[object, ...] = (
    None,
    "",
    "x",
    "chip",
    "2026-12-06",
    "2.50",
    0,
    1,
    -1,
    2.5,
    True,
    [],
    {},
    ["a"],
)


def _both(document: dict[str, Any], cls: type) -> tuple[object, object]:
    """What the direct way and the converter make of *document* (an exception's type)."""
    try:
        quick: object = _quick.structure(document, cls)
    except _quick.Unsure:
        quick = _quick.Unsure
    try:
        converted: object = stored.converter().structure(document, cls)
    except Exception as exc:  # noqa: BLE001 - which refusal does not matter here
        converted = type(exc)
    return quick, converted


def _written(obj: object) -> dict[str, Any]:
    document = json.loads(stored.encode(obj))
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_golden_document_is_read_the_direct_way_to_the_converters_object(
    family: str,
) -> None:
    cls = FAMILIES[family]
    files = sorted((GOLDEN / "0.1.0" / "stored" / family).glob("*.json"))
    assert files
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        quick, converted = _both(document, cls)
        assert quick is not _quick.Unsure, path
        assert quick == converted, path


@given(
    st.one_of(
        s.interface_configs(),
        s.card_templates(),
        s.issued_cards(),
        run_records,
    )
)
def test_what_the_format_writes_is_read_the_direct_way(obj: object) -> None:
    document = _written(obj)
    quick, converted = _both(document, type(obj))
    assert quick is not _quick.Unsure
    assert quick == converted == obj


def _mutate(rng: random.Random, value: Any) -> Any:
    """*value* with one nested value replaced, or one key added or removed."""
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(sorted(value))
        changed = dict(value)
        roll = rng.random()
        if roll < 0.15:
            del changed[key]
        elif roll < 0.25:
            changed["bogus"] = rng.choice(POOL)
        else:
            changed[key] = _mutate(rng, value[key])
        return changed
    if isinstance(value, list) and value and rng.random() < 0.5:
        index = rng.randrange(len(value))
        return [*value[:index], _mutate(rng, value[index]), *value[index + 1 :]]
    return rng.choice(POOL)


@pytest.mark.parametrize("seed", range(3))
def test_a_changed_document_is_read_as_the_converter_reads_it_or_left_to_it(seed: int) -> None:
    rng = random.Random(seed)
    sources: list[tuple[dict[str, Any], type]] = []
    for family, cls in FAMILIES.items():
        for path in sorted((GOLDEN / "0.1.0" / "stored" / family).glob("*.json")):
            sources.append((json.loads(path.read_text(encoding="utf-8")), cls))
    direct = 0
    for _ in range(1500):
        document, cls = rng.choice(sources)
        changed = _mutate(rng, document)
        quick, converted = _both(changed, cls)
        if quick is _quick.Unsure:
            continue
        assert not isinstance(converted, type), (changed, converted)
        assert quick == converted, changed
        direct += 1
    assert direct > 100  # the check has teeth: many changed documents are still read


def test_the_writers_table_names_the_classes_of_the_converters_table() -> None:
    """The generated writers leave out what the converter leaves out (by class name)."""
    from amparex_adapters.converters.stored import _OMITTED, _added_since_0_1

    assert {f"{c.__module__}.{c.__qualname__}": n for c, n in _added_since_0_1().items()} == (
        _OMITTED
    )
