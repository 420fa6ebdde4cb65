"""Interfaces and card templates are edited in place, with the rules of creation (CO22)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_core.domain import errors
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceKind, LoyaltyLabSettings
from amparex_core.domain.secret import SecretRef
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.templates import CardKind, ShippingInterval, ShipTo
from amparex_core.services.interfaces import KEEP
from tests.world import World


def test_CO22_CO2_the_manual_flow_contract_key_and_customer_number_entered_later() -> None:
    """CO22, CO2, CO1: configured without a contract (information requested), then the
    contract, key and customer number AMPAREX sent are entered: same ID, ordering works."""
    world = World()
    first = world.interfaces.configure(InterfaceKind.CARD_ORDER, CardOrderSettings())
    world.template()
    with pytest.raises(errors.ContractRequired):
        world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    edited = world.interfaces.update(
        first.id, contract="KV-4711", key=SecretRef("card_key"), customer_number="4711"
    )
    assert edited.id == first.id and world.interfaces.get(first.id) == edited
    assert edited.settings == CardOrderSettings("KV-4711", SecretRef("card_key"), "4711")
    assert (edited.display_name, edited.branch, edited.start) == (
        first.display_name,
        first.branch,
        first.start,
    )
    placed = world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    assert placed.order.interface_id == first.id and placed.order.contract == "KV-4711"
    assert len(world.interfaces.search()) == 1


def test_CO22_only_what_is_given_changes_and_none_clears() -> None:
    world = World()
    config_id = world.card_ordering(branch="F01", start=dt.date(2027, 1, 1))
    moved = world.interfaces.update(config_id, branch="F02", display_name="Karten Köln")
    assert (moved.branch, moved.display_name, moved.start) == (
        "F02",
        "Karten Köln",
        dt.date(2027, 1, 1),
    )
    assert moved.settings == world.interfaces.get(config_id).settings
    cleared = world.interfaces.update(config_id, branch=None, start=None, display_name=None)
    assert (cleared.branch, cleared.start) == (None, None)
    assert cleared.display_name == "Kundenkartenbestellung bei AMPAREX"  # the kind's default
    assert world.interfaces.update(config_id) == cleared  # nothing given, nothing changes
    assert world.interfaces.update(config_id, branch=KEEP) == cleared


@given(
    st.sampled_from(["Loyalty Lab", " loyalty  LAB ", "LL Zweit", "ll zweit"]),
    st.sampled_from(["KASSE-1", "kasse-1", "KASSE-2"]),
)
def test_CO22_IF7_an_edit_is_refused_where_a_new_configuration_would_be(
    display_name: str, workstation: str
) -> None:
    world = World()
    world.loyalty("KASSE-1")
    other = world.interfaces.configure(
        InterfaceKind.LOYALTY_LAB,
        LoyaltyLabSettings(
            customer_number="4712",
            directory="/srv/loyalty-lab",
            statistics={StatisticKind.CUSTOMERS: "ST-1"},
        ),
        display_name="LL Zweit",
        workstation="KASSE-2",
    )
    before = world.interfaces.search()
    taken = " ".join(display_name.split()).casefold() == "loyalty lab" and workstation.upper() == (
        "KASSE-1"
    )
    if taken:
        with pytest.raises(errors.InterfaceDuplicate) as caught:
            world.interfaces.update(other.id, display_name=display_name, workstation=workstation)
        assert caught.value.existing_display_name == "Loyalty Lab"
        assert world.interfaces.search() == before
    else:
        edited = world.interfaces.update(
            other.id, display_name=display_name, workstation=workstation
        )
        assert edited.id == other.id and len(world.interfaces.search()) == 2


def test_CO22_LL1_LL4_edits_keep_the_rules_of_creation() -> None:
    world = World()
    ll = world.loyalty("KASSE-1")
    co = world.card_ordering()
    before = world.interfaces.search()
    refusals: list[tuple[type[errors.AmparexError], dict[str, object], str]] = [
        (errors.WorkstationRequired, {"workstation": None}, ll),
        (errors.CustomerNumberRequired, {"customer_number": " "}, ll),
        (errors.StatisticTemplateUnknown, {"statistics": {StatisticKind.GLASSES: "ST-9"}}, ll),
        (errors.StatisticFormatNotCsv, {"statistics": {StatisticKind.GLASSES: "ST-PDF"}}, ll),
        (errors.ExportDirectoryInvalid, {"directory": "relative/dir"}, ll),
        (errors.ExportDirectoryInvalid, {"directory": "/not/a/target"}, ll),
        (errors.FilePatternInvalid, {"file_pattern": "kunden.csv"}, ll),
        (errors.ServerSideRequired, {"client_side": True}, co),
        (errors.ClientSideRequired, {"client_side": False}, ll),
    ]
    for error, changes, config_id in refusals:
        with pytest.raises(error):
            world.interfaces.update(config_id, **changes)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="card_order settings have no directory"):
        world.interfaces.update(co, directory="/srv")
    with pytest.raises(errors.InterfaceUnknown):
        world.interfaces.update("nope", branch="F01")
    assert world.interfaces.search() == before  # nothing was written


def test_CO22_CO14_a_template_is_edited_in_place_and_orders_keep_their_snapshot() -> None:
    world = World()
    world.card_ordering()
    world.template("GOLD", comment="alt")
    placed = world.orders.place(template="GOLD", holder_id="K1", branch="F01", process_ref="V1")
    edited = world.templates.update(
        "gold", comment="neu", gift_box=True, interval=ShippingInterval.DAILY
    )
    assert (edited.name, edited.comment, edited.gift_box) == ("GOLD", "neu", True)
    assert world.templates.get("GOLD") == edited
    renamed = world.templates.update("GOLD", name="GOLD PLUS")
    assert [t.name for t in world.templates.list()] == ["GOLD PLUS"]
    assert renamed.comment == "neu"
    order = world.orders.get(placed.order.id)
    assert (order.template.name, order.template.comment, order.template.gift_box) == (
        "GOLD",
        "alt",
        False,
    )


def test_CO22_CO4_CO8_CO12_template_edits_keep_the_rules_of_creation() -> None:
    world = World()
    world.template("GOLD")
    world.template("BASIS")
    before = world.templates.list()
    with pytest.raises(errors.TemplateDuplicate):
        world.templates.update("GOLD", name=" basis ")
    with pytest.raises(errors.CoverLetterRequired):
        world.templates.update("GOLD", ship_to=ShipTo.CUSTOMER)
    with pytest.raises(errors.RollerClipEmployeeOnly):
        world.templates.update("GOLD", roller_clip=True)
    with pytest.raises(errors.DocumentTemplateUnknown):
        world.templates.update("GOLD", document_template="DOC-NONE")
    with pytest.raises(errors.DocumentTemplateInvalid):
        world.templates.update("GOLD", document_template="DOC-BROKEN")
    with pytest.raises(errors.DocumentTemplateWrongKind):
        world.templates.update("GOLD", document_template="DOC-LETTER")
    with pytest.raises(errors.TemplateUnknown):
        world.templates.update("PLATIN", comment="x")
    with pytest.raises(TypeError, match="no colour"):
        world.templates.update("GOLD", colour="gold")
    assert world.templates.list() == before
    staff = world.templates.update(
        "GOLD", kind=CardKind.EMPLOYEE, roller_clip=True, ship_to=ShipTo.CUSTOMER,
        cover_letter="DOC-LETTER",
    )  # fmt: skip
    assert staff.roller_clip and staff.cover_letter == "DOC-LETTER"
