"""The strategies of tests/strategies.py build valid objects of every kind."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from amparex_core.domain.interfaces import InterfaceConfig, InterfaceKind
from amparex_core.domain.templates import CardKind, CardTemplate, ShipTo
from tests import strategies as s


@settings(max_examples=30)
@given(st.data())
def test_strategies_build_valid_objects(data: st.DataObject) -> None:
    config = data.draw(s.interface_configs())
    assert isinstance(config, InterfaceConfig)
    if config.kind is InterfaceKind.LOYALTY_LAB:
        assert config.workstation and config.client_side
    template = data.draw(s.card_templates())
    assert isinstance(template, CardTemplate)
    assert template.ship_to is not ShipTo.CUSTOMER or template.cover_letter
    assert not template.roller_clip or template.kind is CardKind.EMPLOYEE
    for strategy in (
        s.branch_records,
        s.customers,
        s.employees,
        s.document_templates,
        s.statistic_templates,
        s.prices,
        s.money,
        s.process_refs,
        s.card_uids,
        s.card_number_formats,
        s.card_presentations,
        s.holder_refs,
        s.holders,
        s.issued_cards(),
        s.csv_dialects,
        s.card_order_settings(with_contract=True),
        s.card_order_settings(with_contract=False),
    ):
        assert data.draw(strategy) is not None
    assert data.draw(s.card_order_settings(with_contract=True)).has_contract
    assert not data.draw(s.card_order_settings(with_contract=False)).has_contract
