"""The presented card's technology against the card type of its order (CR6)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.readers.scripted import VirtualCard
from amparex_core.domain import errors
from amparex_core.domain.cards import (
    CardPresentation,
    CardTechnology,
    CardUid,
    HolderRef,
    IssuedCard,
)
from amparex_core.domain.masterdata import HolderKind
from amparex_core.domain.templates import CardKind, CardType
from tests.world import World

UID = CardUid(bytes.fromhex("04A22B9C"))
FITS = {CardType.CHIP: CardTechnology.CONTACT, CardType.NFC_RFID: CardTechnology.CONTACTLESS}


def issued(world: World, card_type: CardType) -> IssuedCard:
    return world.desk.issue(
        IssuedCard(
            number=world.card_numbers.make(1),
            holder=HolderRef(HolderKind.CUSTOMER, "K1"),
            card_type=card_type,
            kind=CardKind.CUSTOMER,
            issued_on=dt.date(2026, 1, 1),
        )
    )


@given(st.sampled_from(CardType), st.sampled_from(CardTechnology))
def test_CR6_register_checks_the_presented_technology(
    card_type: CardType, technology: CardTechnology
) -> None:
    world = World()
    card = issued(world, card_type)
    shown = CardPresentation(technology=technology, raw_uid=UID.hex)
    if FITS[card_type] is technology:
        assert world.desk.register(card.number, shown).uid == UID
        return
    with pytest.raises(errors.CardTypeMismatch) as caught:
        world.desk.register(card.number, shown)
    error = caught.value
    assert error.code == "card.type_mismatch"
    assert (error.card_number, error.card_type, error.technology) == (
        card.number,
        card_type.value,
        technology.value,
    )
    assert world.storage.get_card(card.number) == card  # nothing written
    assert world.storage.card_by_uid(UID) is None


@given(st.sampled_from(CardType), st.sampled_from(CardTechnology))
def test_CR6_encode_checks_the_presented_technology_before_writing(
    card_type: CardType, technology: CardTechnology
) -> None:
    world = World()
    card = issued(world, card_type)
    physical = VirtualCard(UID, technology=technology)
    world.reader.present(physical)
    if FITS[card_type] is technology:
        assert world.desk.encode(card.number, world.reader, timeout=1).uid == UID
        assert physical.stored == card.number
        return
    with pytest.raises(errors.CardTypeMismatch):
        world.desk.encode(card.number, world.reader, timeout=1)
    assert physical.stored is None  # nothing written to the card
    assert world.storage.get_card(card.number) == card  # nor to the store


def test_CR6_a_uid_typed_in_has_no_technology_to_check() -> None:
    world = World()
    card = issued(world, CardType.CHIP)
    assert world.desk.register(card.number, UID).uid == UID


def test_CR6_messages_name_both_technologies_in_english_and_german() -> None:
    error = errors.CardTypeMismatch(
        card_number="927600000016", card_type="chip", technology="contactless"
    )
    assert "a contact chip card" in error.message("en")
    assert "a contactless card" in error.message("en")
    assert "Kontakt-Chipkarte" in error.message("de")
    assert "kontaktlose Karte" in error.message("de")
