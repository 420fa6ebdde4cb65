"""The card desk (register, identify, encode, invalidate) on real reader middleware.

Each flow runs on PcscReader (pcscd + vpcd + a virtual card) and on NfcReader (nfcpy's
UDP driver + an emulated NTAG213), wired to the services of tests/world.py (CR1–CR5).
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


def issue(world: World, serial: int = 1, **kwargs: Any) -> IssuedCard:
    card = IssuedCard(
        number=world.card_numbers.make(serial),
        holder=HolderRef(HolderKind.CUSTOMER, "K1"),
        card_type=CardType.NFC_RFID,
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
