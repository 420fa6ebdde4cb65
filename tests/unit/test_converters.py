"""The converters' shared rules and the schema's assembly from its families."""

from __future__ import annotations

import json
from decimal import Decimal

import attrs
import pytest
from hypothesis import given

from amparex_adapters.converters import bundle, output, stored
from amparex_adapters.converters.base import make_base_converter
from amparex_adapters.storage.sql.schema import SchemaStep, assemble
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceConfig
from amparex_core.domain.money import Money
from amparex_core.domain.secret import Secret, SecretRef
from amparex_core.domain.templates import CardType
from tests import strategies as s


def test_CO15_a_decimal_is_text_and_never_read_from_a_float() -> None:
    converter = make_base_converter(detailed_validation=False)
    assert converter.unstructure(Money(Decimal("0.10"), "EUR")) == {
        "amount": "0.10",
        "currency": "EUR",
    }
    assert converter.structure({"amount": "0.10", "currency": "EUR"}, Money).amount == (
        Decimal("0.10")
    )
    with pytest.raises(TypeError, match="float"):
        converter.structure({"amount": 0.1, "currency": "EUR"}, Money)


def test_an_enum_is_read_by_value_and_a_foreign_value_is_refused() -> None:
    converter = make_base_converter(detailed_validation=False)
    assert converter.structure("nfc_rfid", CardType) is CardType.NFC_RFID
    with pytest.raises(ValueError, match="'NFC'"):
        converter.structure("NFC", CardType)
    with pytest.raises(ValueError, match=r"\['chip'\]"):  # not hashable: the enum says why
        converter.structure(["chip"], CardType)


def test_a_stored_document_is_an_object() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        stored.load("[1, 2]")
    assert stored.load(b'{"a":1}') == {"a": 1}


@given(s.interface_configs(), s.secrets)
def test_CO1_OP6_no_format_writes_a_key(config: InterfaceConfig, other: Secret) -> None:
    document = stored.encode(config)
    assert stored.decode(document, InterfaceConfig) == config
    settings = config.settings
    if not isinstance(settings, CardOrderSettings) or settings.key is None:
        return
    assert isinstance(settings.key, SecretRef)
    assert json.loads(document)["settings"]["key"] == {"secret": settings.key.name}
    shown = output.converter().unstructure(config)
    assert shown["settings"]["key"] == "********"
    rekeyed = attrs.evolve(config, settings=attrs.evolve(settings, key=other))
    assert output.converter().unstructure(rekeyed) == shown  # nothing of the key shows
    with pytest.raises(TypeError, match="never stored"):
        stored.encode(rekeyed)
    with pytest.raises(TypeError, match="Secret"):
        bundle.converter().unstructure(rekeyed)


def test_the_schema_is_the_families_steps_per_version_in_family_order() -> None:
    steps = [
        SchemaStep(2, "masterdata", ("m2",)),
        SchemaStep(1, "uploads", ("u1",)),
        SchemaStep(1, "interfaces", ("i1a", "i1b")),
        SchemaStep(2, "orders", ("o2",)),
    ]
    assert assemble(steps) == (("i1a", "i1b", "u1"), ("o2", "m2"))
    assert assemble([]) == ()


def test_a_schema_with_a_gap_or_an_unknown_family_is_refused() -> None:
    with pytest.raises(ValueError, match="version 1"):
        assemble([SchemaStep(2, "orders", ("o2",))])
    with pytest.raises(ValueError, match="'reports'"):
        assemble([SchemaStep(1, "reports", ("r1",))])
