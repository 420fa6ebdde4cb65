"""The error tree: stable codes from SPEC's table, English and German messages, facts."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import attrs
import pytest

from amparex_core.domain import errors
from amparex_core.domain.errors import AmparexError, all_error_classes
from tests.peers import peer_missing

SPEC = Path(__file__).parents[3] / "shared" / "SPEC.md"


def sample(cls: type[AmparexError]) -> AmparexError:
    fields: dict[str, Any] = {f.name: f"<{f.name}>" for f in attrs.fields(cls)}  # type: ignore[arg-type]
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
