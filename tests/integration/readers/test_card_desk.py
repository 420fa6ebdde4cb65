"""The card desk (register, identify, encode, invalidate) on real reader middleware.

Each flow runs on PcscReader (pcscd + vpcd + a virtual card) and on NfcReader (nfcpy's
UDP driver + an emulated NTAG213), wired to the services of tests/world.py (CR1–CR6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from amparex_core.domain import errors
from amparex_core.domain.cards import CardUid, HolderRef, IssuedCard
from amparex_core.domain.masterdata import HolderKind
from amparex_core.domain.templates import CardKind, CardType
from amparex_core.ports.readers import CardWriter
from tests.world import World

pytestmark = pytest.mark.integration

UID = bytes.fromhex("04A22B9C3F5E80")


class Counter:
    """A reader at the counter and the card a test hands over to it."""

    def __init__(self, writer: CardWriter, insert: Any, remove: Any, tear: Any, uid: bytes) -> None:
        self.writer = writer
        self.insert = insert
        self.remove = remove
        self.tear = tear
        self.uid = CardUid(uid)


@pytest.fixture(params=["pcsc", "nfc"])
def counter(request: pytest.FixtureRequest) -> Iterator[Counter]:
    if request.param == "pcsc":
        from amparex_adapters.readers.pcsc import CARD_NUMBER_FILE_ID, PcscReader
        from tests.plugins._vpcd import VirtualCard
        from tests.plugins.pcsc import reader_is_empty

        daemon = request.getfixturevalue("pcscd")
        card = VirtualCard(UID, files={CARD_NUMBER_FILE_ID: bytearray(32)}, port=daemon.port)

        def remove() -> None:
            card.remove()
            assert reader_is_empty(daemon.reader)

        with PcscReader(daemon.reader) as reader:
            try:
                yield Counter(reader, card.insert, remove, lambda: card.tear_during_update(2), UID)
            finally:
                remove()
    else:
        from amparex_adapters.readers.nfc import NfcReader

        tag = request.getfixturevalue("udp_tag")
        tag.reset(UID)
        with NfcReader(tag.path) as nfc_reader:
            yield Counter(nfc_reader, tag.enter, tag.leave, lambda: tag.tear_after(2), UID)


def issue(
    world: World, serial: int = 1, *, card_type: CardType = CardType.NFC_RFID, **kwargs: Any
) -> IssuedCard:
    card = IssuedCard(
        number=world.card_numbers.make(serial),
        holder=HolderRef(HolderKind.CUSTOMER, "K1"),
        card_type=card_type,
        kind=CardKind.CUSTOMER,
        issued_on=dt.date(2026, 1, 1),
        **kwargs,
    )
    return world.desk.issue(card)


def test_CR1_CR2_CR3_register_then_identify_the_holder(counter: Counter) -> None:
    world = World()
    card = issue(world)
    counter.insert()
    shown = world.desk.read(counter.writer, timeout=5)
    assert shown is not None and shown.uid == counter.uid
    assert world.desk.register(card.number, shown).uid == counter.uid
    found = world.desk.identify(world.desk.read(counter.writer, timeout=5) or shown)
    assert found.card.number == card.number
    assert found.holder.id == "K1"
    other = issue(world, 2)
    with pytest.raises(errors.CardUidTaken):
        world.desk.register(other.number, shown)


def test_CR2_unknown_blocked_and_expired_cards_are_distinct_errors(counter: Counter) -> None:
    world = World()
    counter.insert()
    shown = world.desk.read(counter.writer, timeout=5)
    assert shown is not None
    with pytest.raises(errors.CardUnknown):
        world.desk.identify(shown)
    expired = issue(world, 1, valid_until=dt.date(2025, 12, 31))
    world.desk.register(expired.number, shown)
    with pytest.raises(errors.CardExpired):
        world.desk.identify(shown)
    world.desk.invalidate(expired.number)
    with pytest.raises(errors.CardBlocked):
        world.desk.identify(shown)


def test_CR4_encode_reads_back_and_identifies_by_the_card(counter: Counter) -> None:
    world = World()
    card = issue(world)
    counter.insert()
    encoded = world.desk.encode(card.number, counter.writer, timeout=5)
    assert encoded.uid == counter.uid
    shown = counter.writer.wait_for_card(5)
    assert shown is not None and shown.card_number == card.number
    assert world.desk.identify(shown).card.number == card.number
    # re-encoding the same card is allowed
    assert world.desk.encode(card.number, counter.writer, timeout=5).uid == counter.uid


def test_CR4_card_torn_away_while_encoding_is_never_accepted(counter: Counter) -> None:
    world = World()
    card = issue(world)
    counter.insert()
    counter.tear()
    with pytest.raises(errors.CardWriteFailed, match="removed"):
        world.desk.encode(card.number, counter.writer, timeout=5)
    counter.remove()
    counter.insert()
    shown = world.desk.read(counter.writer, timeout=5)
    assert shown is not None
    assert shown.card_number is None  # no half-written number, ever
    with pytest.raises(errors.CardUnknown):
        world.desk.identify(shown)
    assert world.storage.get_card(card.number).uid is None  # type: ignore[union-attr]


def test_CR4_invalidate_blocks_and_erases_the_card(counter: Counter) -> None:
    world = World()
    card = issue(world)
    counter.insert()
    world.desk.encode(card.number, counter.writer, timeout=5)
    blocked = world.desk.invalidate(card.number, writer=counter.writer, timeout=5)
    assert blocked.blocked
    shown = counter.writer.wait_for_card(5)
    assert shown is not None and shown.card_number is None
    with pytest.raises(errors.CardBlocked):
        world.desk.identify(shown)


def test_CR6_a_contact_chip_order_refuses_a_contactless_card(counter: Counter) -> None:
    """CR6: NFC readers see contactless cards only; the counter's card (an NTAG213 or a
    contactless virtual card) cannot become a contact chip card's (CHIP)."""
    world = World()
    card = issue(world, card_type=CardType.CHIP)
    counter.insert()
    shown = world.desk.read(counter.writer, timeout=5)
    assert shown is not None
    with pytest.raises(errors.CardTypeMismatch):
        world.desk.register(card.number, shown)
    with pytest.raises(errors.CardTypeMismatch):
        world.desk.encode(card.number, counter.writer, timeout=5)
    again = counter.writer.wait_for_card(5)
    assert again is not None and again.card_number is None
    assert world.storage.get_card(card.number) == card


@pytest.mark.parametrize("card_type", list(CardType), ids=lambda t: t.value)
@pytest.mark.parametrize("contactless", [True, False], ids=["contactless", "contact"])
def test_CR6_pcsc_tells_contact_from_contactless_and_the_desk_checks_the_card_type(
    pcscd: Any, card_type: CardType, contactless: bool
) -> None:
    """CR6 on pcscd + vpcd: the PC/SC adapter reads the technology from the ATR (a PC/SC
    part 3 contactless ATR ``3B 8x 80 01 …``, else contact); registering and encoding a
    card of the other technology is ``card.type_mismatch`` and writes nothing, neither to
    the store nor to the card."""
    from amparex_adapters.readers.pcsc import CARD_NUMBER_FILE_ID, EF_GDO_FILE_ID, PcscReader
    from tests.plugins._vpcd import VirtualCard
    from tests.plugins.pcsc import reader_is_empty

    world = World()
    card = issue(world, card_type=card_type)
    files = {CARD_NUMBER_FILE_ID: bytearray(32), EF_GDO_FILE_ID: bytearray(b"\x5a\x04" + UID[:4])}
    physical = VirtualCard(UID, contactless=contactless, files=files, port=pcscd.port)
    fits = (card_type is CardType.NFC_RFID) == contactless
    physical.insert()
    try:
        with PcscReader(pcscd.reader) as reader:
            shown = world.desk.read(reader, timeout=5)
            assert shown is not None
            assert shown.technology.value == ("contactless" if contactless else "contact")
            if fits:
                assert world.desk.encode(card.number, reader, timeout=5).uid == shown.uid
                assert world.desk.register(card.number, shown).uid == shown.uid
                return
            with pytest.raises(errors.CardTypeMismatch):
                world.desk.register(card.number, shown)
            with pytest.raises(errors.CardTypeMismatch):
                world.desk.encode(card.number, reader, timeout=5)
            assert bytes(physical.files[CARD_NUMBER_FILE_ID]) == bytes(32)
            assert world.storage.get_card(card.number) == card
    finally:
        physical.remove()
        assert reader_is_empty(pcscd.reader)
